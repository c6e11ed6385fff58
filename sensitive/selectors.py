"""The one way out for sensitive values: permission check, decryption, masking, audit.

Part of the choke point (with sensitive/services.py): outside sensitive/, only the record layer
(crm/records/) calls it, so that every read applies the record scope too.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import UUID_LIST, binary_cursor, uuid_list, uuid_to_db
from crm.models import ObjectType, PropertyDefinition, Record
from crm.validation import clean_value
from sensitive import crypto, keys, matching
from sensitive.conditions import Condition, Operator
from sensitive.models import SensitiveValue
from sensitive.permissions import PropertyAccess
from sensitive.readings import EMPTY, KEY_DESTROYED, MASKED, UNREADABLE, Reading, State

logger = logging.getLogger(__name__)
CHUNK = 5_000

Readings = dict[uuid.UUID, dict[str, Reading]]


def sensitive_definitions(*, object_type_ids: Iterable, names: Iterable[str] | None = None) -> list[PropertyDefinition]:
    """The sensitive property definitions of these object types (optionally only `names`), each
    with `object_type_name`. Plain SQL: every sensitive read makes this query, and the ORM's
    query building cost twice the query itself."""
    type_ids = [uuid_to_db(type_id) for type_id in set(object_type_ids)]
    where, params = f"d.object_type_id IN ({', '.join(['%s'] * len(type_ids))})", type_ids
    if names is not None:
        names = list(names)
        if not names:
            return []
        where += f" AND d.name IN ({', '.join(['%s'] * len(names))})"
        params = [*params, *names]
    definition, object_type = PropertyDefinition._meta.db_table, ObjectType._meta.db_table
    return list(
        PropertyDefinition.objects.raw(
            f"SELECT d.*, t.name AS object_type_name FROM {definition} d "  # noqa: S608
            f"JOIN {object_type} t ON t.id = d.object_type_id "
            f"WHERE {where} AND d.sensitivity <> %s ORDER BY t.position, t.label_plural, d.position, d.label",
            [*params, PropertyDefinition.Sensitivity.NONE],
        )
    )


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
    # Compared as integers: UUID equality is Python code, and this runs once per record.
    tenant = actor.tenant_id.int if actor.tenant_id else None
    if any(record.tenant_id.int != tenant for record in records):
        raise PermissionDenied("Records of another tenant cannot be read.")
    state = keys.tenant_state(actor.tenant_id)
    access = PropertyAccess(actor, state)
    type_of = [record.object_type_id for record in records]
    type_ids = set(type_of)
    by_type: dict[Any, list[PropertyDefinition]] = defaultdict(list)
    for definition in sensitive_definitions(object_type_ids=type_ids, names=names):
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
    # One row per record, a copy of its type's template; `rows` in the order of `records`.
    templates = {type_id: {d.name: start_as[d.id] for d in by_type[type_id]} for type_id in type_ids}
    pks = [record.pk for record in records]
    if len(templates) == 1:
        (template,) = templates.values()
        readings: Readings = {pk: template.copy() for pk in pks}
    else:
        readings = {pk: templates[type_id].copy() for pk, type_id in zip(pks, type_of, strict=True)}
    rows = list(readings.values()) if len(readings) == len(pks) else [readings[pk] for pk in pks]
    if to_decrypt:
        order = list(to_decrypt.values())
        tenant_keys = _tenant_keys_or_fill(rows, order, records[0].tenant_id, state)
        found = _ciphertexts(pks, [definition.id for definition in order]) if tenant_keys else []
        # The event's write runs on the database server while the values are decrypted here.
        with audit_services.event_recording(
            kind=AuditEvent.Kind.SENSITIVE_REVEAL if reveal else AuditEvent.Kind.SENSITIVE_READ,
            actor=actor,
            object_type=",".join(sorted({definition.object_type_name for definition in order})),
            record_ids=list(map(str, readings)),
            property_names=[definition.name for definition in order],
            details={"purpose": purpose},
        ):
            if tenant_keys:
                _decrypt_into(rows, found, pks, type_of, order, tenant_keys)
            _fill_values_moving(rows, records, order)
    return readings


def _tenant_keys_or_fill(rows: list[dict[str, Reading]], order: list[PropertyDefinition], tenant_id, state):
    """The tenant's keys; None, with `rows` saying why, where there are none to decrypt with."""
    try:
        return keys.tenant_keys(tenant_id, state)
    except keys.TenantKeysDestroyed:
        _fill(rows, order, KEY_DESTROYED)
    except keys.MasterKeyUnavailable as exc:
        logger.error("Sensitive values of tenant %s cannot be read: %s", tenant_id, exc.message)
        _fill(rows, order, UNREADABLE)
    return None


def _decrypt_into(
    rows: list[dict[str, Reading]],
    found: list[tuple[int, int, bytes]],
    record_ids: list[uuid.UUID],
    type_of: list[uuid.UUID],
    order: list[PropertyDefinition],
    tenant_keys,
) -> None:
    """Fill in `rows` (one per record, in order) with the values `found` (see _ciphertexts)."""
    tenant_id = order[0].tenant_id
    names = [definition.name for definition in order]
    # Associated data from shared prefixes: tenant and object type, then record, then property.
    prefixes = {type_id: crypto.associated_data_prefix(tenant_id, type_id) for type_id in set(type_of)}
    if len(prefixes) == 1:
        (prefix,) = prefixes.values()
        record_ad = [prefix + record_id.bytes for record_id in record_ids]
    else:
        record_ad = [prefixes[t] + record_id.bytes for t, record_id in zip(type_of, record_ids, strict=True)]
    property_ad = [definition.id.bytes for definition in order]
    values = crypto.decrypt_many(
        tenant_keys, [(ciphertext, record_ad[r] + property_ad[p]) for r, p, ciphertext in found]
    )
    undecryptable, value_state = crypto.UNDECRYPTABLE, State.VALUE
    for (r, p, _), value in zip(found, values, strict=True):
        if value is not undecryptable:
            rows[r][names[p]] = Reading(value_state, value)
            continue
        logger.error(
            "Sensitive value %s of record %s cannot be decrypted: tampered, moved from another row, "
            "or encrypted under another key.",
            names[p],
            record_ids[r],
        )
        rows[r][names[p]] = UNREADABLE


def _fill_values_moving(rows: list[dict[str, Reading]], records: list[Record], order: list[PropertyDefinition]):
    """Values of a property just marked sensitive stay in the JSON until the background move ends."""
    for definition in order:
        if definition.values_moving:
            for record, row in zip(records, rows, strict=True):
                if definition.name in record.properties and row.get(definition.name) == EMPTY:
                    row[definition.name] = Reading(State.VALUE, record.properties[definition.name])


def _ciphertexts(record_ids: list, property_ids: list) -> list[tuple[int, int, bytes]]:
    """(record index, property index, ciphertext) rows of the values of these records and properties.

    Plain SQL that returns positions rather than ids: converting rows in the ORM, and even making
    UUIDs of the ids, was most of the cost of a bulk read.
    """
    table = SensitiveValue._meta.db_table
    rows: list[tuple[int, int, bytes]] = []
    if connection.vendor == "postgresql":
        with binary_cursor() as cursor:
            for start in range(0, len(record_ids), CHUNK):
                cursor.execute(
                    f"SELECT r.n - 1 + %s, p.n - 1, s.ciphertext "  # noqa: S608
                    f"FROM unnest({UUID_LIST}) WITH ORDINALITY r(id, n) "
                    f"JOIN {table} s ON s.record_id = r.id "
                    f"JOIN unnest({UUID_LIST}) WITH ORDINALITY p(id, n) ON s.property_id = p.id",
                    [start, uuid_list(record_ids[start : start + CHUNK]), uuid_list(property_ids)],
                )
                rows += cursor.fetchall()
        return rows
    property_at = {pk.hex: i for i, pk in enumerate(property_ids)}
    with connection.cursor() as cursor:
        for start in range(0, len(record_ids), CHUNK):
            record_at = {pk.hex: start + i for i, pk in enumerate(record_ids[start : start + CHUNK])}
            cursor.execute(
                f"SELECT record_id, property_id, ciphertext FROM {table} "  # noqa: S608
                f"WHERE record_id IN ({', '.join(['%s'] * len(record_at))}) "
                f"AND property_id IN ({', '.join(['%s'] * len(property_at))})",
                [*record_at, *property_at],
            )
            rows += [(record_at[r], property_at[p], ciphertext) for r, p, ciphertext in cursor.fetchall()]
    return rows


def _fill(rows: list[dict[str, Reading]], order: list[PropertyDefinition], reading: Reading) -> None:
    names = {definition.name for definition in order}
    for row in rows:
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
def record_ids_matching(*, actor, definition: PropertyDefinition, value: Any, reveal: bool = False) -> list[uuid.UUID]:
    """Records whose `definition` value equals `value`: an EQ filter of sensitive.matching (blind
    index when searchable, confirmed by decrypting unless the index tells an enumeration's options
    apart; a reveal on a highly sensitive property)."""
    condition = Condition(Operator.EQ, (clean_value(definition, value),))
    return matching.record_ids_where(actor=actor, definition=definition, condition=condition, reveal=reveal)
