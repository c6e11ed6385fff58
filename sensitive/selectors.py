"""The one way out for sensitive values: permission check, decryption, masking, audit."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import tink
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models.fields.json import KeyTransform
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import uuid_to_db
from crm.models import PropertyDefinition, Record
from sensitive import crypto, keys
from sensitive.models import SensitiveValue
from sensitive.permissions import PropertyAccess
from sensitive.readings import EMPTY, KEY_DESTROYED, MASKED, UNREADABLE, Reading, State

logger = logging.getLogger(__name__)
CHUNK = 5_000

Readings = dict[uuid.UUID, dict[str, Reading]]


def sensitive_definitions(*, object_type_ids: Iterable, names: Iterable[str] | None = None):
    definitions = (
        PropertyDefinition.objects.filter(object_type_id__in=set(object_type_ids))
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .select_related("object_type")
    )
    if names is not None:
        definitions = definitions.filter(name__in=list(names))
    return list(definitions)


@sensitive_variables()
def values_read(
    *,
    actor,
    records: Sequence[Record],
    names: Iterable[str] | None = None,
    reveal: bool = False,
    purpose: str = "view",
) -> Readings:
    """The sensitive values of `records` as `actor` may see them, one Reading per record and property.

    Values the actor may not view come back as a Restricted marker; highly sensitive ones as a
    mask unless `reveal`. One audit event covers the whole call.
    """
    records = list(records)
    if not records:
        return {}
    if any(record.tenant_id != actor.tenant_id for record in records):
        raise PermissionDenied("Records of another tenant cannot be read.")
    state = keys.tenant_state(actor.tenant_id)
    access = PropertyAccess(actor, state)
    by_type: dict[Any, list[PropertyDefinition]] = defaultdict(list)
    for definition in sensitive_definitions(object_type_ids={r.object_type_id for r in records}, names=names):
        by_type[definition.object_type_id].append(definition)

    # What each property shows before decryption, decided once per property rather than per value.
    start_as: dict[Any, Reading] = {}
    to_decrypt: dict[Any, PropertyDefinition] = {}
    for definition in (d for definitions in by_type.values() for d in definitions):
        if not access.can_view(definition):
            start_as[definition.id] = Reading(State.RESTRICTED, hint=access.who_to_ask(definition))
        elif definition.is_highly_sensitive and not reveal:
            start_as[definition.id] = MASKED
        else:
            start_as[definition.id] = EMPTY
            to_decrypt[definition.id] = definition
    readings: Readings = {
        record.pk: {d.name: start_as[d.id] for d in by_type[record.object_type_id]} for record in records
    }
    if to_decrypt:
        _decrypt_into(readings, records, to_decrypt, state)
        kind = AuditEvent.Kind.SENSITIVE_REVEAL if reveal else AuditEvent.Kind.SENSITIVE_READ
        audit_services.event_record(
            kind=kind,
            actor=actor,
            object_type=",".join(sorted({definition.object_type.name for definition in to_decrypt.values()})),
            record_ids=[record.pk for record in records],
            property_names=[definition.name for definition in to_decrypt.values()],
            details={"purpose": purpose},
        )
    return readings


def _decrypt_into(
    readings: Readings, records: Sequence[Record], definitions: dict[Any, PropertyDefinition], state
) -> None:
    tenant_id = records[0].tenant_id
    records_by_id = {record.pk: record for record in records}
    try:
        tenant_keys = keys.tenant_keys(tenant_id, state)
    except keys.TenantKeysDestroyed:
        _fill(readings, definitions, KEY_DESTROYED)
        return
    except keys.MasterKeyUnavailable as exc:
        logger.error("Sensitive values of tenant %s cannot be read: %s", tenant_id, exc.message)
        _fill(readings, definitions, UNREADABLE)
        return
    prefixes = {
        type_id: crypto.associated_data_prefix(tenant_id, type_id) for type_id in {r.object_type_id for r in records}
    }
    for record_id, property_id, ciphertext in _ciphertexts(list(records_by_id), list(definitions)):
        definition = definitions[property_id]
        ad = prefixes[records_by_id[record_id].object_type_id] + record_id.bytes + property_id.bytes
        try:
            value = crypto.decrypt(tenant_keys, ciphertext, ad)
        except (tink.TinkError, ValueError):
            logger.error(
                "Sensitive value %s of record %s cannot be decrypted: tampered, moved from another row, "
                "or encrypted under another key.",
                definition.name,
                record_id,
            )
            readings[record_id][definition.name] = UNREADABLE
            continue
        readings[record_id][definition.name] = Reading(State.VALUE, value)
    # Values of a property just marked sensitive stay in the JSON until the background move ends.
    for definition in definitions.values():
        if definition.values_moving:
            for record in records:
                if definition.name in record.properties and readings[record.pk].get(definition.name) == EMPTY:
                    readings[record.pk][definition.name] = Reading(State.VALUE, record.properties[definition.name])


def _ciphertexts(record_ids: list, property_ids: list):
    """(record id, property id, ciphertext) rows, by plain SQL: the ORM's per-row converters were most of
    the cost of a bulk read. Ids come back as UUIDs whatever the database stores them as."""
    native = connection.features.has_native_uuid_field
    from_db = (lambda value: value) if native else uuid.UUID
    table = SensitiveValue._meta.db_table
    properties = [uuid_to_db(pk) for pk in property_ids]
    with connection.cursor() as cursor:
        for start in range(0, len(record_ids), CHUNK):
            chunk = [uuid_to_db(pk) for pk in record_ids[start : start + CHUNK]]
            if native:
                # Two array parameters instead of thousands of placeholders to quote and parse.
                where, params = "record_id = ANY(%s::uuid[]) AND property_id = ANY(%s::uuid[])", [chunk, properties]
            else:
                where = (
                    f"record_id IN ({', '.join(['%s'] * len(chunk))}) "
                    f"AND property_id IN ({', '.join(['%s'] * len(properties))})"
                )
                params = [*chunk, *properties]
            cursor.execute(f"SELECT record_id, property_id, ciphertext FROM {table} WHERE {where}", params)  # noqa: S608
            for record_id, property_id, ciphertext in cursor.fetchall():
                yield from_db(record_id), from_db(property_id), ciphertext


def _fill(readings: Readings, definitions: dict[Any, PropertyDefinition], reading: Reading) -> None:
    names = {definition.name for definition in definitions.values()}
    for row in readings.values():
        for name in names & set(row):
            if row[name] == EMPTY:
                row[name] = reading


def value_reveal(*, actor, record: Record, name: str) -> Reading:
    """An explicit reveal of one (highly) sensitive value; audited as a reveal."""
    readings = values_read(actor=actor, records=[record], names=[name], reveal=True, purpose="reveal")
    reading = readings.get(record.pk, {}).get(name)
    if reading is None:
        raise PropertyDefinition.DoesNotExist(f"{record.object_type.label_plural} have no sensitive property {name!r}.")
    return reading


@sensitive_variables()
def record_ids_matching(*, actor, definition: PropertyDefinition, value: Any) -> list[uuid.UUID]:
    """Records whose `definition` value equals `value`.

    Searchable properties narrow the candidates in SQL by blind index; every candidate is then
    confirmed by decrypting, since a truncated index matches unrelated values too.
    """
    from crm.validation import clean_value

    access = PropertyAccess(actor)
    if not access.can_view(definition):
        raise PermissionDenied(f"You may not filter on {definition.label} ({definition.name}).")
    wanted = clean_value(definition, value)
    tenant_keys = keys.tenant_keys(definition.tenant_id)
    candidates = SensitiveValue.objects.filter(tenant_id=definition.tenant_id, property=definition)
    if definition.searchable:
        candidates = candidates.filter(blind_index=crypto.blind_index(tenant_keys, definition.id, wanted))
    wanted_form = crypto.normalise(wanted)
    matches = []
    for record_id, ciphertext in candidates.values_list("record_id", "ciphertext").iterator(chunk_size=CHUNK):
        ad = crypto.associated_data(definition.tenant_id, definition.object_type_id, record_id, definition.id)
        try:
            if crypto.normalise(crypto.decrypt(tenant_keys, ciphertext, ad)) == wanted_form:
                matches.append(record_id)
        except (tink.TinkError, ValueError):
            logger.error("Sensitive value %s of record %s cannot be decrypted.", definition.name, record_id)
    if definition.values_moving:
        pending = Record.objects.filter(object_type_id=definition.object_type_id, tenant_id=definition.tenant_id)
        pending = pending.alias(_pending=KeyTransform(definition.name, "properties")).filter(_pending=wanted)
        matches += pending.values_list("pk", flat=True)
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVE_READ,
        actor=actor,
        object_type=definition.object_type.name,
        record_ids=matches,
        property_names=[definition.name],
        details={"purpose": "filter"},
    )
    return matches
