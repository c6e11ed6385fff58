"""The one way in for sensitive values: permission check, validation, encryption, audit.

Part of the choke point (with sensitive/selectors.py): outside sensitive/, only the record layer
(crm/records/) calls it. A change of a property's sensitivity is in sensitive/sensitivity.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import rows_insert, uuid_converter
from crm.models import PropertyDefinition, Record
from crm.validation import clean_values
from sensitive import crypto, keys
from sensitive.models import SensitiveValue
from sensitive.permissions import PropertyAccess
from sensitive.value_rows import blind_index_of, value_row_new

BULK_BATCH_SIZE = 2_000


def _edit_check(actor, definitions: Sequence[PropertyDefinition]) -> None:
    access = PropertyAccess(actor)
    denied = [d for d in definitions if not access.can_edit(d)]
    if denied:
        names = ", ".join(f"{d.label} ({d.name})" for d in denied)
        raise PermissionDenied(f"You may not edit {names}: ask {access.who_to_ask(denied[0])} for edit access.")


def _sensitive_definitions_by_name(object_type_id, names) -> dict[str, PropertyDefinition]:
    return {
        d.name: d
        for d in PropertyDefinition.objects.filter(object_type_id=object_type_id, name__in=list(names))
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .select_related("object_type")
    }


@sensitive_variables()
@transaction.atomic
def values_write(*, actor, record: Record, values: Mapping[str, Any]) -> None:
    """Set (or, with None, clear) sensitive values of one record, after checking the actor may edit each."""
    if record.tenant_id != actor.tenant_id:
        raise Record.DoesNotExist("No such record.")
    definitions = _sensitive_definitions_by_name(record.object_type_id, values)
    not_sensitive = set(values) - set(definitions)
    if not_sensitive:
        raise ValidationError({name: "This is not a sensitive property." for name in not_sensitive})
    cleaned = clean_values(definitions, values, object_label=record.object_type.label_plural)
    _edit_check(actor, list(definitions.values()))
    # Clearing needs no key: after shredding, the unreadable values can still be removed.
    writes = any(value is not None for value in cleaned.values())
    tenant_keys = keys.tenant_keys_for_writing(record.tenant_id) if writes else None
    existing = {
        sv.property_id: sv for sv in SensitiveValue.objects.filter(record=record, property__in=definitions.values())
    }
    for name, value in cleaned.items():
        definition = definitions[name]
        current = existing.get(definition.id)
        if value is None:
            if current:
                current.delete()
            continue
        new = value_row_new(tenant_keys, record, definition, value)
        if current:
            new.pk = current.pk
            new.save(
                force_update=True, update_fields=["ciphertext", "key_id", "blind_index", "blind_key_id", "updated_at"]
            )
        else:
            new.save(force_insert=True)
    # A value still waiting in the JSON for a background move must not outlive this write.
    leftover = {name: record.properties[name] for name in cleaned if name in record.properties}
    if leftover:
        record.properties = {k: v for k, v in record.properties.items() if k not in leftover}
        Record.objects.filter(pk=record.pk).update(properties=record.properties)
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVE_WRITE,
        actor=actor,
        object_type=record.object_type.name,
        record_ids=[record.pk],
        property_names=list(cleaned),
    )


def _bulk_definitions(actor, rows: Sequence[tuple[Record, Mapping[str, Any]]]) -> dict:
    """{object type id: {name: definition}} of the sensitive properties the rows write, after
    checking every record is of the actor's tenant and the actor may edit every property."""
    names_by_type: dict[Any, set[str]] = defaultdict(set)
    for record, values in rows:
        if record.tenant_id != actor.tenant_id:
            raise Record.DoesNotExist("No such record.")
        names_by_type[record.object_type_id].update(values)
    definitions = {type_id: _sensitive_definitions_by_name(type_id, names) for type_id, names in names_by_type.items()}
    _edit_check(actor, [d for by_name in definitions.values() for d in by_name.values()])
    return definitions


def _bulk_event(actor, definitions: dict, rows, details: dict | None = None) -> None:
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVE_WRITE,
        actor=actor,
        object_type=",".join(
            sorted({d.object_type.name for by_name in definitions.values() for d in by_name.values()})
        ),
        record_ids=[record.pk for record, _ in rows],
        property_names={name for by_name in definitions.values() for name in by_name},
        details=details,
    )


def _bulk_insert(actor, definitions: dict, rows) -> int:
    writes = [(record, values) for record, values in rows if any(v is not None for v in values.values())]
    if not writes:
        return 0
    insert = _RawInsert(keys.tenant_keys_for_writing(actor.tenant_id))
    for record, values in writes:
        for name, value in values.items():
            if value is not None:
                insert.add(record, definitions[record.object_type_id][name], value)
    return insert.flush()


@sensitive_variables()
@transaction.atomic
def values_write_bulk(*, actor, rows: Sequence[tuple[Record, Mapping[str, Any]]]) -> int:
    """Sensitive values of new records, already validated, in bulk inserts; one audit event.

    Rows go in as plain inserts rather than through the ORM's bulk_create, whose per-field work was
    most of the time of a 100,000-contact import.
    """
    if not rows:
        return 0
    definitions = _bulk_definitions(actor, rows)
    written = _bulk_insert(actor, definitions, rows)
    _bulk_event(actor, definitions, rows, {"bulk": True})
    return written


@sensitive_variables()
@transaction.atomic
def values_write_many(*, actor, rows: Sequence[tuple[Record, Mapping[str, Any]]]) -> int:
    """Set (or, with None, clear) sensitive values of many existing records, already validated (a
    workflow step over a batch): values_write's rules, with the old rows deleted and the new ones
    inserted in bulk statements, one audit event for all."""
    if not rows:
        return 0
    definitions = _bulk_definitions(actor, rows)
    by_names: dict[tuple, list] = defaultdict(list)
    for record, values in rows:
        by_names[(record.object_type_id, *sorted(values))].append(record.pk)
    for (type_id, *names), record_ids in by_names.items():
        written = [definitions[type_id][name].id for name in names]
        SensitiveValue.objects.filter(record_id__in=record_ids, property_id__in=written).delete()
    written = _bulk_insert(actor, definitions, rows)
    _bulk_event(actor, definitions, rows)
    return written


COLUMNS = [
    "tenant_id",
    "record_id",
    "record_number",
    "property_id",
    "ciphertext",
    "key_id",
    "blind_index",
    "blind_key_id",
    "updated_at",
]
PG_TYPES = ["uuid", "uuid", "int8", "uuid", "bytea", "int8", "int4", "int8", "timestamptz"]


class _RawInsert:
    """Buffered inserts of new SensitiveValue rows, each batch encrypted in one call."""

    def __init__(self, tenant_keys, batch_size: int = BULK_BATCH_SIZE) -> None:
        self.tenant_keys = tenant_keys
        self.batch_size = batch_size
        self.pending: list[tuple[Record, PropertyDefinition, Any]] = []
        self.written = 0
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.to_db = uuid_converter()

    def add(self, record: Record, definition: PropertyDefinition, value: Any) -> None:
        self.pending.append((record, definition, value))
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> int:
        if not self.pending:
            return self.written
        tenant_keys, to_db, now = self.tenant_keys, self.to_db, self.now
        ciphertexts = crypto.encrypt_many(
            tenant_keys,
            [
                (value, crypto.associated_data(record.tenant_id, record.object_type_id, record.pk, definition.id))
                for record, definition, value in self.pending
            ],
        )
        rows = [
            (
                to_db(record.tenant_id),
                to_db(record.pk),
                record.number,
                to_db(definition.id),
                ciphertext,
                crypto.key_id_of(ciphertext),
                *blind_index_of(tenant_keys, definition, value),
                now,
            )
            for (record, definition, value), ciphertext in zip(self.pending, ciphertexts, strict=True)
        ]
        rows_insert(SensitiveValue._meta.db_table, COLUMNS, rows, PG_TYPES)
        self.written += len(rows)
        self.pending = []
        return self.written
