"""Records by the REST API's keys: numeric ids, values of unique properties, pages by number, and
the links of many records at once. Scoped by the actor's tenant and record scope like every read,
and without archived records unless asked for them (`archived=True`: then only archived ones)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Lower

from accounts.models import User
from crm.models import Association, ObjectType, PropertyDefinition, Record
from crm.records.visibility import visibility_of


def _records(actor: User, object_type: ObjectType, archived: bool) -> QuerySet[Record]:
    if actor.tenant_id is None or object_type.tenant_id != actor.tenant_id:
        return Record.objects.none()
    # Through the type's related manager: each record gets `object_type` set without a join; the
    # owner is joined for hubspot_owner_id.
    return (
        object_type.records.for_tenant(actor.tenant_id)
        .filter(archived_at__isnull=not archived)
        .filter(visibility_of(actor).q(object_type.pk))
        .select_related("owner")
    )


def record_get_by_number(*, actor: User, object_type: ObjectType, number: int, archived: bool = False) -> Record:
    """Raises Record.DoesNotExist alike for a missing, foreign, other-type or out-of-scope number."""
    return _records(actor, object_type, archived).get(number=number)


def records_by_numbers(
    *, actor: User, object_type: ObjectType, numbers: Iterable[int], archived: bool = False
) -> dict[int, Record]:
    """{number: record} of those the actor may see; the others are simply absent."""
    return {record.number: record for record in _records(actor, object_type, archived).filter(number__in=set(numbers))}


def records_by_unique_value(
    *,
    actor: User,
    object_type: ObjectType,
    definition: PropertyDefinition,
    values: Iterable[str],
    archived: bool = False,
) -> dict[str, Record]:
    """{lower-cased value: record} for a property with a unique value (email, domain: HubSpot compares
    them without case). Should two records hold one value, the older one (lower number) answers.

    Sensitive properties are refused: their values are not in the JSON, and a lookup by one would
    tell which values exist to whoever may not read them.
    """
    if definition.is_sensitive or not definition.has_unique_value or definition.object_type_id != object_type.pk:
        raise ValueError(f"{definition.name} is not a unique, non-sensitive property of {object_type.name}.")
    # No stored value holds a NUL character (PostgreSQL text cannot): such a value finds nothing.
    wanted = {str(value).strip().lower() for value in values if str(value).strip() and "\x00" not in str(value)}
    if not wanted:
        return {}
    key = Lower(Cast(KeyTextTransform(definition.name, "properties"), TextField()))
    found: dict[str, Record] = {}
    for record in _records(actor, object_type, archived).alias(_key=key).filter(_key__in=wanted).order_by("number"):
        found.setdefault(str(record.properties.get(definition.name, "")).lower(), record)
    return found


def record_page_by_number(
    *, actor: User, object_type: ObjectType, after: int | None, size: int, archived: bool = False
) -> tuple[list[Record], bool]:
    """One page of records in number order after `after` (keyset: no OFFSET), and whether more follow.

    Numbers only grow, so records created while a client pages come after the page it is on: paging
    never repeats nor skips one (save a record whose transaction commits after a later-numbered one's
    page was read: a rare race of concurrent writers that any keyset on a sequence has).
    """
    records = _records(actor, object_type, archived)
    if after is not None:
        records = records.filter(number__gt=after)
    rows = list(records.order_by("number")[: size + 1])
    return rows[:size], len(rows) > size


def associations_of(
    *, actor: User, records: Sequence[Record], object_types: Sequence[ObjectType]
) -> dict[object, dict[object, list[Record]]]:
    """{record pk: {object type pk: [linked records]}} for the records' links (either direction) to
    records of `object_types` that the actor may see and that are not archived; one query for all."""
    if not records or not object_types or actor.tenant_id is None:
        return {}
    pks = {record.pk for record in records}
    type_ids = {object_type.pk for object_type in object_types}
    links = (
        Association.objects.for_tenant(actor.tenant_id)
        .filter(
            Q(from_record__in=pks, to_record__object_type__in=type_ids, to_record__archived_at__isnull=True)
            | Q(to_record__in=pks, from_record__object_type__in=type_ids, from_record__archived_at__isnull=True)
        )
        .select_related("from_record", "to_record")
        .order_by("created_at", "id")
    )
    visibility = visibility_of(actor)
    found: dict[object, dict[object, list[Record]]] = {}
    seen = set()  # two links (labels) between the same records name the other record once
    for link in links:
        for mine, other in ((link.from_record, link.to_record), (link.to_record, link.from_record)):
            if mine.pk not in pks or other.object_type_id not in type_ids or other.archived_at is not None:
                continue
            if (mine.pk, other.pk) not in seen and visibility.allows(other):
                seen.add((mine.pk, other.pk))
                found.setdefault(mine.pk, {}).setdefault(other.object_type_id, []).append(other)
    return found


def owner_get_by_number(*, actor: User, number: int) -> User:
    """A person of the actor's tenant by owner number (HubSpot's hubspot_owner_id); apps own nothing.

    Raises User.DoesNotExist for a number of nobody, of an app or of another tenant's user alike.
    """
    if actor.tenant_id is None:
        raise User.DoesNotExist("No such owner.")
    return User.objects.people().get(tenant_id=actor.tenant_id, number=number, is_active=True)
