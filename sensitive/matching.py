"""Filters and sorts over sensitive values: the blind index for equality, decryption in batches for the rest.

Part of the choke point (with selectors.py and services.py): outside sensitive/, only the record
layer's filter compiler (crm/records/filters/) calls it, after the SQL part of a query has narrowed
the candidates. It checks that the actor may filter, decrypts what it must, applies the operators
of sensitive/conditions.py to the values, and audits each call.

Which records match says what their values are (filter an enumeration option by option and every
value is known), so a filter needs the view permission, and on a highly sensitive property it is a
reveal: the caller asks for one (`reveal`, after its surface's confirmation) and it is audited as one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Iterator, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import UUID_LIST, binary_cursor
from crm.models import PropertyDefinition, Record
from sensitive import crypto, keys
from sensitive.conditions import BLIND_INDEX_OPERATORS, Condition, Operator, predicate
from sensitive.models import SensitiveValue
from sensitive.option_index import index_is_exact
from sensitive.permissions import PropertyAccess

logger = logging.getLogger(__name__)
CHUNK = 5_000  # values decrypted at a time
# Candidates up to this many are fetched by id; beyond, every value of the property is read once and
# the candidates are picked in memory (one index scan beats many thousand lookups).
FETCH_BY_ID_MAX = 20_000
Op = Operator


# --- who may filter ----------------------------------------------------------------------------------


class FilterRefused(PermissionDenied):
    """The actor may not filter (or sort) on this property; names the property, never a value."""

    def __init__(self, message: str, definition: PropertyDefinition) -> None:
        super().__init__(message)
        self.definition = definition


class RevealRequired(FilterRefused):
    """The call would show highly sensitive values and the caller did not ask for a reveal."""


def filter_check(actor, definition: PropertyDefinition, *, reveal: bool = False, verb: str = "filter on") -> None:
    """Raises FilterRefused unless the actor may view the property; RevealRequired on a highly
    sensitive one without `reveal`. The compiler checks every property of a query first, so that a
    refused query decrypts nothing."""
    if not PropertyAccess(actor).can_view(definition):
        raise FilterRefused(f"You may not {verb} {definition.label} ({definition.name}).", definition)
    if definition.is_highly_sensitive and not reveal:
        raise RevealRequired(
            f"Filtering on {definition.label} ({definition.name}) reveals its values: confirm your identity first.",
            definition,
        )


# --- evaluation -------------------------------------------------------------------------------------


@sensitive_variables()
def record_ids_where(
    *,
    actor,
    definition: PropertyDefinition,
    condition: Condition,
    among: Collection[uuid.UUID] | QuerySet | None = None,
    reveal: bool = False,
    purpose: str = "filter",
) -> list[uuid.UUID]:
    """Records whose `definition` value meets `condition`, among `among` (None: all of the type; a
    QuerySet of record ids: the candidates' values are read by a join on it, in one query, without
    their ids travelling to Python and back: a list build's chunk of 10,000 records).

    EQ and IN on a searchable property fetch candidates by blind index and confirm them by
    decrypting (a truncated index matches unrelated values too), except on an enumeration whose
    options the index tells apart (option_index.py): there the index is the answer. HAS_PROPERTY
    decrypts nothing;
    every other operator decrypts the candidates' values in chunks. One audit event names the
    matching records (a reveal on a highly sensitive property).
    """
    filter_check(actor, definition, reveal=reveal)
    records = None  # (SQL, params) of the candidates' ids
    if isinstance(among, QuerySet):
        if connection.vendor == "postgresql" and not definition.values_moving:
            try:
                records = Candidates(*among.query.sql_with_params(), *_numbers_of(among))
            except EmptyResultSet:
                return []
            among = None
        else:
            among = list(among)
    if among is not None and not among:
        return []
    wanted = None if among is None else {pk.bytes for pk in among}
    holds = predicate(definition.data_type, condition)
    matches: list[uuid.UUID] = []
    if condition.operator == Op.HAS_PROPERTY:
        rows = _rows(definition, wanted, None, ciphertexts=False, records=records)
        matches = [uuid.UUID(bytes=rid) for rid, _ in rows if wanted is None or rid in wanted]
    elif (tenant_keys := _tenant_keys(definition)) is not None:
        indexes = None
        if definition.searchable and condition.operator in BLIND_INDEX_OPERATORS:
            indexes = set().union(
                *(crypto.blind_index_candidates(tenant_keys, definition.id, v) for v in condition.values)
            )
        if indexes is not None and index_is_exact(definition, tenant_keys, indexes, condition):
            rows = _rows(definition, wanted, indexes, ciphertexts=False, records=records)
            matches = [uuid.UUID(bytes=rid) for rid, _ in rows if wanted is None or rid in wanted]
        else:
            values = _decrypted(definition, tenant_keys, wanted, indexes, records)
            matches = [uuid.UUID(bytes=rid) for rid, value in values if holds(value)]
    if definition.values_moving:
        matches = list(dict.fromkeys([*matches, *(pk for pk, value in _pending(definition, wanted) if holds(value))]))
    _audit(actor, definition, matches, purpose)
    return matches


@sensitive_variables()
def values_of(
    *, actor, definition: PropertyDefinition, record_ids: Sequence[uuid.UUID], reveal: bool = False, purpose: str
) -> list[Any]:
    """The values of `definition` of these records, in their order (None: no value, or one that does
    not decrypt), for an order by them. The order tells the values: checked as a filter, audited
    naming them all."""
    filter_check(actor, definition, reveal=reveal, verb="sort by")
    if not record_ids:
        return []
    at = {pk.bytes: position for position, pk in enumerate(record_ids)}
    found: list[Any] = [None] * len(record_ids)
    tenant_keys = _tenant_keys(definition)
    for rid, value in _decrypted(definition, tenant_keys, at, None) if tenant_keys else ():
        found[at[rid]] = value
    if definition.values_moving:
        for pk, value in _pending(definition, at):
            if found[at[pk.bytes]] is None:
                found[at[pk.bytes]] = value
    _audit(actor, definition, list(record_ids), purpose)
    return found


class Candidates(NamedTuple):
    """The SQL of the candidate records' ids, and of their numbers (PostgreSQL)."""

    sql: str
    params: Sequence
    numbers_sql: str
    numbers_params: Sequence


def _numbers_of(among: QuerySet) -> tuple[str, Sequence]:
    return among.values_list("number", flat=True).query.sql_with_params()


def _tenant_keys(definition: PropertyDefinition):
    """The tenant's keys; None once they are destroyed: then no value can match, nor be sorted by."""
    try:
        return keys.tenant_keys(definition.tenant_id)
    except keys.TenantKeysDestroyed:
        return None


def _audit(actor, definition: PropertyDefinition, record_ids: list, purpose: str) -> None:
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVE_REVEAL if definition.is_highly_sensitive else AuditEvent.Kind.SENSITIVE_READ,
        actor=actor,
        object_type=definition.object_type.name,
        record_ids=record_ids,
        property_names=[definition.name],
        details={"purpose": purpose},
    )


def _decrypted(
    definition: PropertyDefinition,
    tenant_keys,
    wanted: Collection[bytes] | None,
    indexes: set[int] | None,
    records: Candidates | None = None,
) -> Iterator[tuple[bytes, Any]]:
    """(record id bytes, value) of the values among `wanted` (None: all, or those of `records`),
    decrypted CHUNK at a time; a value that does not decrypt is logged and left out."""
    prefix = crypto.associated_data_prefix(definition.tenant_id, definition.object_type_id)
    property_ad = definition.id.bytes
    rows = _rows(definition, wanted, indexes, records=records)
    if wanted is not None and (indexes is not None or len(wanted) > FETCH_BY_ID_MAX):
        rows = [row for row in rows if row[0] in wanted]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = crypto.decrypt_many(
            tenant_keys, [(ciphertext, prefix + rid + property_ad) for rid, ciphertext in chunk]
        )
        for (rid, _), value in zip(chunk, values, strict=True):
            if value is crypto.UNDECRYPTABLE:
                logger.error(
                    "Sensitive value %s of record %s cannot be decrypted.", definition.name, uuid.UUID(bytes=rid)
                )
            else:
                yield rid, value


def _rows(
    definition: PropertyDefinition,
    wanted: Collection[bytes] | None,
    indexes: set[int] | None,
    ciphertexts: bool = True,
    records: Candidates | None = None,
) -> list[tuple[bytes, bytes | None]]:
    """(record id bytes, ciphertext) of the property's values: those with one of `indexes` (a blind
    index lookup), or of the `wanted` records when few, or all of them, of the records that the
    SQL `records` selects if given (PostgreSQL); without the ciphertexts when only holding a
    value counts. Plain SQL returning bytes: making UUIDs and model rows was
    most of the cost of a scan of 100,000 values."""
    by_id = indexes is None and wanted is not None and len(wanted) <= FETCH_BY_ID_MAX
    if connection.vendor != "postgresql":
        values = SensitiveValue.objects.filter(tenant_id=definition.tenant_id, property=definition)
        if indexes is not None:
            values = values.filter(blind_index__in=indexes)
        elif by_id:
            values = values.filter(record_id__in=[uuid.UUID(bytes=rid) for rid in wanted])
        if not ciphertexts:
            return [(record_id.bytes, None) for record_id in values.values_list("record_id", flat=True)]
        return [
            (record_id.bytes, bytes(ciphertext))
            for record_id, ciphertext in values.values_list("record_id", "ciphertext")
        ]
    table, column = SensitiveValue._meta.db_table, "s.ciphertext" if ciphertexts else "NULL::bytea"
    rows: list[tuple[bytes, bytes | None]] = []
    with binary_cursor() as cursor:
        if by_id:
            ids = [rid.hex() for rid in wanted]
            for start in range(0, len(ids), CHUNK):
                cursor.execute(
                    f"SELECT uuid_send(s.record_id), {column} FROM unnest({UUID_LIST}) r(id) "  # noqa: S608
                    f"JOIN {table} s ON s.record_id = r.id AND s.property_id = %s",
                    [",".join(ids[start : start + CHUNK]), definition.id],
                )
                rows += cursor.fetchall()
            return rows
        where, params = "s.property_id = %s AND s.tenant_id = %s", [definition.id, definition.tenant_id]
        if indexes is not None:
            where += " AND s.blind_index = ANY(%s)"
            params.append(sorted(indexes))
        if records is not None and indexes is not None:
            # The candidates' numbers bound a range of the (property, blind index, number) index:
            # a list build's chunk reads its matches off one index range, then keeps its records'.
            numbers = records.numbers_sql  # the ORM's SQL of the candidates, with placeholders only
            lowest, highest = (f"(SELECT {f}(n.number) FROM ({numbers}) n)" for f in ("min", "max"))  # noqa: S608
            where += f" AND s.record_number BETWEEN {lowest} AND {highest} AND s.record_id IN ({records.sql})"
            params.extend([*records.numbers_params, *records.numbers_params, *records.params])
        elif records is not None:
            # ANY(ARRAY(...)): the ids are gathered first and looked up in the (record, property)
            # index; as IN (...) the planner hashes them against every value of the property.
            where += f" AND s.record_id = ANY(ARRAY({records.sql}))"
            params.extend(records.params)
        elif indexes is not None and wanted is not None and len(wanted) <= FETCH_BY_ID_MAX:
            # Candidates among a few records: the planner picks the blind index or the records'
            # ids, whichever finds fewer rows (an option held by an eighth of a million records
            # is not read whole to confirm a few).
            where += f" AND s.record_id = ANY({UUID_LIST})"
            params.append(",".join(rid.hex() for rid in wanted))
        cursor.execute(f"SELECT uuid_send(s.record_id), {column} FROM {table} s WHERE {where}", params)  # noqa: S608
        return cursor.fetchall()


def _pending(definition: PropertyDefinition, wanted: Collection[bytes] | None) -> Iterator[tuple[uuid.UUID, Any]]:
    """(id, value) of values of a property just made sensitive that still wait in the records' JSON
    for their move (sensitive/moves.py): they count as the encrypted ones do."""
    records = Record.objects.filter(
        tenant_id=definition.tenant_id, object_type_id=definition.object_type_id, properties__has_key=definition.name
    )
    for pk, properties in records.values_list("pk", "properties").iterator(chunk_size=CHUNK):
        if wanted is None or pk.bytes in wanted:
            yield pk, properties.get(definition.name)
