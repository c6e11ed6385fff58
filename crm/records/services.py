"""State changes of records and their associations; the record layer's writes (see crm/records/api.py).

Every function takes the acting user; the tenant always comes from the actor, never from input.
Sensitive values go to the choke point (sensitive.services) in the same transaction as the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import Team, User
from audit import services as audit_services
from audit.models import AuditEvent
from core.db import rows_insert, uuid_to_db
from crm import selectors
from crm.display import display_name_for, plain_values
from crm.models import Association, ObjectType, PropertyDefinition, Record, RecordScope
from crm.records import events
from crm.records.inserts import records_insert
from crm.records.visibility import Visibility, visibility_forget
from crm.tenancy import check_same_tenant, require_super_admin, tenant_of
from crm.validation import clean_values
from sensitive import services as sensitive_services

BULK_BATCH_SIZE = 2_000


def _check_visible(actor: User, *records: Record) -> None:
    visibility = Visibility(actor)
    for record in records:
        if not visibility.allows(record):
            raise Record.DoesNotExist("No such record.")


def _split_values(definitions: Mapping[str, PropertyDefinition], cleaned: Mapping[str, Any]):
    plain = {name: value for name, value in cleaned.items() if not definitions[name].is_sensitive}
    sensitive = {name: value for name, value in cleaned.items() if definitions[name].is_sensitive}
    return plain, sensitive


def _apply_plain(properties: dict[str, Any], plain: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(properties)
    for name, value in plain.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def _default_owner(actor: User) -> User | None:
    # A private app's records belong to nobody unless it names an owner, as HubSpot's: an app is no person.
    return None if actor.is_app else actor


def _clean_for(object_type: ObjectType, values: Mapping[str, Any], *, creating: bool):
    definitions = selectors.property_definitions_by_name(object_type=object_type)
    required = {name for name, definition in definitions.items() if definition.required}
    cleaned = clean_values(
        definitions,
        values,
        object_label=object_type.label_plural,
        require=required if creating else required & set(values),
    )
    return definitions, cleaned


@sensitive_variables()  # values in hand: none of them in an error report's frame variables
def records_values_check(
    *, object_type: ObjectType, rows: Sequence[Mapping[str, Any]], creating: bool
) -> dict[int, ValidationError]:
    """The errors the writes of `rows` would meet, by row index, without writing anything: a batch of
    writes checks every row first, so that one bad row refuses the whole batch with all its errors."""
    definitions = selectors.property_definitions_by_name(object_type=object_type)
    required = {name for name, definition in definitions.items() if definition.required}
    errors = {}
    for index, values in enumerate(rows):
        try:
            clean_values(
                definitions,
                values,
                object_label=object_type.label_plural,
                require=required if creating else required & set(values),
            )
        except ValidationError as exc:
            errors[index] = exc
    return errors


@sensitive_variables()  # values in hand: none of them in an error report's frame variables
@transaction.atomic
def record_create(
    *,
    actor: User,
    object_type: ObjectType,
    values: Mapping[str, Any],
    owner: User | None = None,
    team: Team | None = None,
) -> Record:
    tenant = tenant_of(actor)
    check_same_tenant(actor, object_type, owner, team)
    definitions, cleaned = _clean_for(object_type, values, creating=True)
    plain, sensitive = _split_values(definitions, cleaned)
    record = Record.objects.create(
        tenant=tenant,
        object_type=object_type,
        owner=owner or _default_owner(actor),
        team=team,
        properties=_apply_plain({}, plain),
        display_name=display_name_for(object_type, plain),
    )
    if sensitive:
        sensitive_services.values_write(actor=actor, record=record, values=sensitive)
    _record_event(actor, AuditEvent.Kind.RECORD_CREATED, object_type, [record.pk], cleaned)
    events.record_changed_after_commit(
        actor=actor, object_type=object_type, record_ids=[record.pk], change=events.CREATED, properties=cleaned
    )
    return record


def _record_event(actor: User, kind: str, object_type: ObjectType, record_ids, names) -> None:
    # Property names only: which values changed is history, what they are is not (for sensitive ones).
    audit_services.event_record(
        kind=kind, actor=actor, object_type=object_type.name, record_ids=record_ids, property_names=names
    )


@sensitive_variables()  # values in hand: none of them in an error report's frame variables
@transaction.atomic
def record_update(
    *,
    actor: User,
    record: Record,
    values: Mapping[str, Any],
    owner: User | None = None,
    team: Team | None = None,
    clear_team: bool = False,
    clear_owner: bool = False,
) -> Record:
    """Change the given values (None clears one); values not named are kept."""
    tenant_of(actor)
    check_same_tenant(actor, record, owner, team)
    _check_visible(actor, record)
    definitions, cleaned = _clean_for(record.object_type, values, creating=False)
    plain, sensitive = _split_values(definitions, cleaned)
    record = Record.objects.select_for_update().get(pk=record.pk)
    before = dict(record.properties)
    # Values being written as sensitive must not sit in the JSON a moment longer (nor in its change log).
    record.properties = _apply_plain({k: v for k, v in record.properties.items() if k not in sensitive}, plain)
    # Without the values of a property just made sensitive, still waiting in the JSON for their move.
    sensitive_names = {name for name, definition in definitions.items() if definition.is_sensitive}
    record.display_name = display_name_for(record.object_type, plain_values(record.properties, sensitive_names))
    if owner is not None or clear_owner:
        record.owner = owner
    if team is not None or clear_team:
        record.team = team
    record.save()
    if sensitive:
        sensitive_services.values_write(actor=actor, record=record, values=sensitive)
    _record_event(actor, AuditEvent.Kind.RECORD_UPDATED, record.object_type, [record.pk], cleaned)
    changed = [name for name in plain if before.get(name) != record.properties.get(name)] + list(sensitive)
    events.record_changed_after_commit(
        actor=actor, object_type=record.object_type, record_ids=[record.pk], change=events.UPDATED, properties=changed
    )
    return record


@transaction.atomic
def record_delete(*, actor: User, record: Record) -> None:
    tenant_of(actor)
    check_same_tenant(actor, record)
    _check_visible(actor, record)
    _record_event(actor, AuditEvent.Kind.RECORD_DELETED, record.object_type, [record.pk], ())
    events.record_changed_after_commit(
        actor=actor, object_type=record.object_type, record_ids=[record.pk], change=events.DELETED
    )
    record.delete()


@sensitive_variables()  # values in hand: none of them in an error report's frame variables
def records_bulk_create(
    *,
    actor: User,
    object_type: ObjectType,
    rows: Sequence[Mapping[str, Any]],
    owners: Sequence[User | None] | None = None,
    batch_size: int = BULK_BATCH_SIZE,
) -> list[Record]:
    """Create many records with bulk inserts, all or nothing; any invalid row stops the whole batch.

    Errors are keyed "row N" so that an import can point at the line.
    """
    tenant = tenant_of(actor)
    check_same_tenant(actor, object_type)
    definitions = selectors.property_definitions_by_name(object_type=object_type)
    required = {name for name, definition in definitions.items() if definition.required}
    records: list[Record] = []
    sensitive_rows: list[tuple[Record, dict[str, Any]]] = []
    errors: dict[str, Any] = {}
    for index, values in enumerate(rows):
        try:
            cleaned = clean_values(definitions, values, object_label=object_type.label_plural, require=required)
        except ValidationError as exc:
            # Each message already names its property.
            errors[f"row {index + 1}"] = [message for messages in exc.message_dict.values() for message in messages]
            continue
        plain, sensitive = _split_values(definitions, cleaned)
        owner = owners[index] if owners else _default_owner(actor)
        record = Record(
            tenant=tenant,
            object_type=object_type,
            owner=owner,
            properties=_apply_plain({}, plain),
            display_name=display_name_for(object_type, plain),
        )
        records.append(record)
        if sensitive:
            sensitive_rows.append((record, sensitive))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        records_insert(records)
        if sensitive_rows:
            sensitive_services.values_write_bulk(actor=actor, rows=sensitive_rows)
        names = {name for values in rows for name in values}
        _record_event(actor, AuditEvent.Kind.RECORD_CREATED, object_type, [r.pk for r in records], names)
        events.record_changed_after_commit(
            actor=actor,
            object_type=object_type,
            record_ids=[r.pk for r in records],
            change=events.CREATED,
            properties=names,
        )
    return records


@transaction.atomic
def association_create(*, actor: User, from_record: Record, to_record: Record, label: str = "") -> Association:
    tenant = tenant_of(actor)
    check_same_tenant(actor, from_record, to_record)
    _check_visible(actor, from_record, to_record)
    if from_record.pk == to_record.pk:
        raise ValidationError({"to_record": "A record cannot be associated with itself."})
    label = (label or "").strip()
    if len(label) > Association._meta.get_field("label").max_length:
        raise ValidationError({"label": "Use at most 100 characters for a label."})
    # A link is found in either direction: B → A with this label already links A and B.
    existing = (
        Association.objects.for_tenant(tenant.pk)
        .filter(label=label)
        .filter(Q(from_record=from_record, to_record=to_record) | Q(from_record=to_record, to_record=from_record))
        .first()
    )
    if existing is not None:
        return existing
    association, created = Association.objects.get_or_create(
        tenant=tenant, from_record=from_record, to_record=to_record, label=label
    )
    if created:
        _association_event(actor, AuditEvent.Kind.ASSOCIATION_CREATED, association)
    return association


def _association_event(actor: User, kind: str, association: Association) -> None:
    """Who linked or unlinked which two records (the label says how: it is no value of a property)."""
    audit_services.event_record(
        kind=kind,
        actor=actor,
        object_type=association.from_record.object_type.name,
        record_ids=[association.from_record_id, association.to_record_id],
        details={"to_type": association.to_record.object_type.name, "label": association.label},
    )


def associations_bulk_create(*, actor: User, pairs: Iterable[tuple[Record, Record]], label: str = "") -> int:
    """Many links at once, as plain inserts (the ORM's bulk_create was a third of a demo seeding)."""
    tenant = tenant_of(actor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (uuid_to_db(uuid.uuid4()), uuid_to_db(tenant.pk), uuid_to_db(a.pk), uuid_to_db(b.pk), label, now, now)
        for a, b in pairs
        if a.tenant_id == tenant.pk and b.tenant_id == tenant.pk and a.pk != b.pk
    ]
    columns = ["id", "tenant_id", "from_record_id", "to_record_id", "label", "created_at", "updated_at"]
    types = ["uuid", "uuid", "uuid", "uuid", "text", "timestamptz", "timestamptz"]
    rows_insert(Association._meta.db_table, columns, rows, types, skip_conflicts=True)
    if rows:  # one event for the batch: its size, not every pair (imports and demo data link thousands)
        audit_services.event_record(
            kind=AuditEvent.Kind.ASSOCIATION_CREATED, actor=actor, details={"links": len(rows), "label": label}
        )
    return len(rows)


@transaction.atomic
def association_delete(*, actor: User, association: Association) -> None:
    tenant_of(actor)
    check_same_tenant(actor, association)
    _association_event(actor, AuditEvent.Kind.ASSOCIATION_DELETED, association)
    association.delete()


@transaction.atomic
def record_scope_set(*, actor: User, user: User, object_type: ObjectType, scope: str) -> RecordScope:
    """Which records of `object_type` a user sees: all, their teams' (and own), or their own."""
    require_super_admin(actor)
    check_same_tenant(actor, object_type)
    if user.tenant_id != actor.tenant_id:
        raise ValidationError({"user": "No such user in your organisation."})
    if user.is_app:  # apps reach records by their scopes (crm/records/visibility.py)
        raise ValidationError({"user": "Record scopes are for people: a private app sees what its scopes allow."})
    if scope not in RecordScope.Scope.values:
        raise ValidationError(
            {"scope": f"{scope!r} is not a scope; use one of: {', '.join(RecordScope.Scope.values)}."}
        )
    record_scope, _ = RecordScope.objects.update_or_create(
        tenant=actor.tenant, user=user, object_type=object_type, defaults={"scope": scope}
    )
    visibility_forget(user)
    audit_services.event_record(
        kind=AuditEvent.Kind.RECORD_SCOPE_CHANGED,
        actor=actor,
        object_type=object_type.name,
        details={"user": user.email, "scope": scope},
    )
    return record_scope
