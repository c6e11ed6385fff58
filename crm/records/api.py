"""The record layer's face: every surface reads and writes records with sensitive values through it.

A surface (staff UI, admin, and later the REST API, import, export, lists, workflows, reports, forms)
never assembles a record itself from the record scope, the choke point and the display rules: one
call of `record_views` applies the tenant, the actor's record scope and the property grants, is
audited once by the choke point, and returns what the surface shows. `record_write` validates,
splits plain and sensitive values and stores both in one transaction.

Only this package calls the choke point (sensitive.selectors, sensitive.services) outside sensitive/;
tests/test_architecture.py holds that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.views.decorators.debug import sensitive_variables

from accounts.models import Team, User
from crm.display import display_value
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import archive, services, updates
from crm.records.visibility import Visibility, visibility_of
from sensitive import selectors as sensitive_selectors
from sensitive.permissions import PropertyAccess
from sensitive.readings import Reading


@dataclass(frozen=True)
class RecordView:
    """One record as the actor may see it; `display` is what a page shows for each property.

    `display[name]` is the display value of a plain property (None when empty), and for a sensitive
    one its Reading, whose value (when the actor sees it) is the display value too.
    """

    record: Record
    definitions: list[PropertyDefinition]  # the properties asked for, in the record page's order
    values: dict[str, Any]  # non-sensitive values as stored (absent: no value)
    readings: dict[str, Reading]  # sensitive values: value, masked, restricted, unreadable...
    display: dict[str, Any]
    can_view: bool
    can_edit: bool
    can_delete: bool

    def grouped(self) -> dict[str, list[tuple[PropertyDefinition, Any]]]:
        """{group heading: [(definition, display)]}, as the record page shows them."""
        groups: dict[str, list[tuple[PropertyDefinition, Any]]] = {}
        for definition in self.definitions:
            groups.setdefault(definition.group or "Other", []).append((definition, self.display[definition.name]))
        return groups


class RecordPermissions(NamedTuple):
    view: bool
    edit: bool
    delete: bool


def record_permissions(*, actor: User, record: Record, visibility: Visibility | None = None) -> RecordPermissions:
    """What the actor may do with a record, without reading its values. Today whoever's record scope
    holds a record may edit and delete it; the property grants still decide which sensitive values
    they may change (the choke point checks those on every write)."""
    sees = (visibility or Visibility(actor)).allows(record)
    return RecordPermissions(view=sees, edit=sees, delete=sees)


def _definitions_of(type_ids: Iterable, properties: Sequence[str] | None) -> dict[Any, list[PropertyDefinition]]:
    definitions = PropertyDefinition.objects.filter(
        object_type_id__in=set(type_ids),
        archived_at__isnull=True,  # an archived property shows nowhere
    ).order_by("position", "label")
    if properties is not None:
        definitions = definitions.filter(name__in=list(properties))
    by_type: dict[Any, list[PropertyDefinition]] = {}
    for definition in definitions:
        by_type.setdefault(definition.object_type_id, []).append(definition)
    if properties is not None:  # in the order asked for (an index's columns)
        at = {name: position for position, name in enumerate(properties)}
        for of_type in by_type.values():
            of_type.sort(key=lambda d: at[d.name])
    return by_type


def _shown(definition: PropertyDefinition, reading: Reading | None) -> Reading | None:
    if reading is not None and reading.is_value:
        return Reading(reading.state, display_value(definition, reading.value), reading.hint)
    return reading


@sensitive_variables()
def record_views(
    *,
    actor: User,
    records: Sequence[Record] | None = None,
    query: QuerySet[Record] | None = None,
    properties: Sequence[str] | None = None,
    purpose: str = "view",
    reveal: Iterable[str] = (),
    definitions: Sequence[PropertyDefinition] | None = None,
) -> list[RecordView]:
    """The given `records` (or those of `query`) as `actor` may see them, in their order.

    `definitions`, when the caller has them loaded already, are those of `properties` (in that
    order, of the records' types): then they are not read again.

    Records of another tenant and outside the actor's record scope are dropped before any value is
    read, so no audit event names them. `properties` limits the properties (all of each record's
    type when None); `reveal` names highly sensitive properties to show unmasked: that part is
    audited as a reveal (its own event kind), the rest as one read for `purpose`. Raises
    PropertyDefinition.DoesNotExist when a name in `reveal` is not a sensitive property of them.
    """
    if (records is None) == (query is None):
        raise TypeError("record_views takes either records or a query.")
    if actor.tenant_id is None:  # platform operators read no tenant's records
        return []
    if query is not None:
        records = query.filter(tenant_id=actor.tenant_id)
    visibility = visibility_of(actor)
    records = [record for record in records if visibility.allows(record)]
    if not records:
        return []
    if definitions is None:
        by_type = _definitions_of((record.object_type_id for record in records), properties)
    else:
        by_type = {}
        for definition in definitions:
            by_type.setdefault(definition.object_type_id, []).append(definition)
    reveal = list(dict.fromkeys(reveal))
    definitions = [d for of_type in by_type.values() for d in of_type]
    sensitive = list(dict.fromkeys(d.name for d in definitions if d.is_sensitive and d.name not in reveal))
    readings = (
        sensitive_selectors.values_read(actor=actor, records=records, names=sensitive, purpose=purpose)
        if sensitive
        else {}
    )
    if reveal:
        revealed = sensitive_selectors.values_read(
            actor=actor, records=records, names=reveal, reveal=True, purpose="reveal"
        )
        missing = [name for name in reveal if not any(name in row for row in revealed.values())]
        if missing:
            raise PropertyDefinition.DoesNotExist(f"There is no sensitive property {missing[0]!r} to reveal.")
        for pk, row in revealed.items():
            readings.setdefault(pk, {}).update(row)
    views = []
    for record in records:
        definitions = by_type.get(record.object_type_id, [])
        row = readings.get(record.pk, {})
        values = {
            d.name: record.properties[d.name] for d in definitions if not d.is_sensitive and d.name in record.properties
        }
        display = {
            d.name: _shown(d, row.get(d.name)) if d.is_sensitive else display_value(d, values.get(d.name))
            for d in definitions
        }
        may = record_permissions(actor=actor, record=record, visibility=visibility)
        views.append(
            RecordView(
                record=record,
                definitions=definitions,
                values=values,
                readings={name: reading for name, reading in row.items() if name in display},
                display=display,
                can_view=may.view,
                can_edit=may.edit,
                can_delete=may.delete,
            )
        )
    return views


def record_view(
    *, actor: User, record: Record, properties: Sequence[str] | None = None, purpose: str = "view", reveal=()
) -> RecordView:
    """One record's view; Record.DoesNotExist when the actor may not see it (as for a missing one)."""
    views = record_views(actor=actor, records=[record], properties=properties, purpose=purpose, reveal=reveal)
    if not views:
        raise Record.DoesNotExist("No such record.")
    return views[0]


@sensitive_variables()
def record_write(
    *,
    actor: User,
    record: Record | None = None,
    object_type: ObjectType | None = None,
    values: Mapping[str, Any],
    owner: User | None = None,
    team: Team | None = None,
    clear_team: bool = False,
    clear_owner: bool = False,
) -> Record:
    """Create a record of `object_type` (when `record` is None) or change `record`'s given values.

    Values are validated together (crm.validation), plain ones go to the record's JSON and sensitive
    ones through the choke point, in one transaction: a refused sensitive write leaves no plain change.
    On a change, None clears a value and values not named are kept.
    """
    if record is not None and not record_permissions(actor=actor, record=record).edit:
        raise Record.DoesNotExist("No such record.")
    if record is None:
        if object_type is None:
            raise TypeError("record_write needs a record to change or an object type to create one of.")
        return services.record_create(actor=actor, object_type=object_type, values=values, owner=owner, team=team)
    return services.record_update(
        actor=actor,
        record=record,
        values=values,
        owner=owner,
        team=team,
        clear_team=clear_team,
        clear_owner=clear_owner,
    )


def properties_not_writable(*, actor: User, object_type: ObjectType, names: Iterable[str]) -> list[PropertyDefinition]:
    """The sensitive properties among `names` the actor may not write (the same grants, or an app's
    scopes and allowlist, as the choke point checks): asked before a write, so that a surface can
    refuse a whole request, and name each property, before anything of it is saved."""
    names = set(names)
    if not names:
        return []
    definitions = (
        PropertyDefinition.objects.filter(object_type=object_type, name__in=names)
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .order_by("name")
    )
    access = PropertyAccess(actor)
    return [definition for definition in definitions if not access.can_edit(definition)]


def records_values_check(*, object_type: ObjectType, rows: Sequence[Mapping[str, Any]], creating: bool):
    """{row index: ValidationError} that writing `rows` would meet; nothing is written."""
    return services.records_values_check(object_type=object_type, rows=rows, creating=creating)


def record_associate(*, actor: User, from_record: Record, to_record: Record, label: str = ""):
    """Link two records the actor may see (Record.DoesNotExist otherwise, as for a missing one)."""
    return services.association_create(actor=actor, from_record=from_record, to_record=to_record, label=label)


def records_archive(*, actor: User, records: Sequence[Record]) -> list[Record]:
    """Archive records (HubSpot's soft delete; the staff UI's delete): see crm/records/archive.py."""
    visibility = Visibility(actor)
    if not all(record_permissions(actor=actor, record=record, visibility=visibility).delete for record in records):
        raise Record.DoesNotExist("No such record.")
    return archive.records_archive(actor=actor, records=records)


def record_archive(*, actor: User, record: Record) -> None:
    records_archive(actor=actor, records=[record])


def records_write_bulk(
    *,
    actor: User,
    object_type: ObjectType,
    rows: Sequence[Mapping[str, Any]],
    owners: Sequence[User | None] | None = None,
) -> list[Record]:
    """Many new records at once (imports, demo data), all or nothing; errors keyed "row N"."""
    return services.records_bulk_create(actor=actor, object_type=object_type, rows=rows, owners=owners)


def records_write_many(
    *, actor: User, object_type: ObjectType, records: Sequence[Record], values: Sequence[Mapping[str, Any]]
) -> list[Record]:
    """Change many records' values at once (a workflow step over a batch), all or nothing: each
    record must be one the actor may edit (Record.DoesNotExist otherwise), errors keyed "record N"."""
    visibility = Visibility(actor)
    if not all(record_permissions(actor=actor, record=record, visibility=visibility).edit for record in records):
        raise Record.DoesNotExist("No such record.")
    return updates.records_update_bulk(actor=actor, object_type=object_type, records=records, values=values)


def record_delete(*, actor: User, record: Record) -> None:
    """Remove a record for good (erasure); surfaces archive instead (record_archive).

    Raises Record.DoesNotExist for a record the actor may not delete (as for a missing one)."""
    if not record_permissions(actor=actor, record=record).delete:
        raise Record.DoesNotExist("No such record.")
    services.record_delete(actor=actor, record=record)
