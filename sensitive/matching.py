"""Filters over sensitive values: the blind index for equality, decryption in batches for the rest.

Part of the choke point (with selectors.py and services.py): outside sensitive/, only the record
layer's filter compiler (crm/records/filters/) calls it, after the SQL part of a query has narrowed
the candidates. It checks that the actor may filter, decrypts what it must, and audits each call.

The operators' meaning is defined here, by `predicate`, for decrypted values; the SQL path of the
compiler gives the same answers for plain values (tests/crm/records/test_filters_paths.py):

- EQ and IN compare as the blind index does (crypto.normalise): text without regard to case,
  Unicode compatibility forms and runs of spaces; numbers by value (1 == 1.0).
- LT, LTE, GT, GTE and BETWEEN (both ends included) order numbers by value, dates and datetimes by
  their ISO text (stored in UTC, so that text order is time order).
- HAS_PROPERTY: the record holds a value (empty values are not stored).
- CONTAINS_TOKEN: one word of the value, or a run of words, equals the pattern's, without regard to
  case; `*` in a word stands for any characters. Words are separated by spaces and , ; : ! ? " '
  ( ) { } < >, and lose their trailing dots: "*@hubspot.com" matches "ada@hubspot.com", "world"
  matches "Hello, world.".
- Only these positive operators reach this module: the compiler answers NEQ, NOT_IN,
  NOT_HAS_PROPERTY and NOT_CONTAINS_TOKEN as "every record but those", so that records without a
  value are among them, as HubSpot's search has it.

Which records match says what their values are (filter an enumeration option by option and every
value is known), so a filter needs the view permission, and on a highly sensitive property it is a
reveal: the caller asks for one (`reveal`, after its surface's confirmation) and it is audited as one.
"""

from __future__ import annotations

import enum
import logging
import re
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import UUID_LIST, binary_cursor, uuid_list
from crm.models import PropertyDefinition, Record
from sensitive import crypto, keys
from sensitive.models import SensitiveValue
from sensitive.permissions import PropertyAccess

logger = logging.getLogger(__name__)
CHUNK = 5_000  # values decrypted at a time
# Candidates up to this many are fetched by id; beyond, every value of the property is read once and
# the candidates are picked in memory (one index scan beats many thousand lookups).
FETCH_BY_ID_MAX = 20_000
T = PropertyDefinition.DataType


class Operator(enum.StrEnum):
    EQ = "EQ"
    NEQ = "NEQ"
    LT = "LT"
    LTE = "LTE"
    GT = "GT"
    GTE = "GTE"
    BETWEEN = "BETWEEN"
    IN = "IN"
    NOT_IN = "NOT_IN"
    HAS_PROPERTY = "HAS_PROPERTY"
    NOT_HAS_PROPERTY = "NOT_HAS_PROPERTY"
    CONTAINS_TOKEN = "CONTAINS_TOKEN"  # noqa: S105 -- an operator, not a password
    NOT_CONTAINS_TOKEN = "NOT_CONTAINS_TOKEN"  # noqa: S105


Op = Operator
# Each negation is answered as the records that do not match its positive operator.
NEGATIONS = {
    Op.NEQ: Op.EQ,
    Op.NOT_IN: Op.IN,
    Op.NOT_HAS_PROPERTY: Op.HAS_PROPERTY,
    Op.NOT_CONTAINS_TOKEN: Op.CONTAINS_TOKEN,
}
RANGES = (Op.LT, Op.LTE, Op.GT, Op.GTE, Op.BETWEEN)
BLIND_INDEX_OPERATORS = (Op.EQ, Op.IN)


@dataclass(frozen=True, repr=False)
class Condition:
    """A positive operator with its values, cleaned to the stored form of the property's type.

    `values`: EQ and the ranges (v,), BETWEEN (low, high), IN the set, CONTAINS_TOKEN (pattern,),
    HAS_PROPERTY (). Its repr never shows the values.
    """

    operator: Operator
    values: tuple = ()

    def __repr__(self) -> str:
        return f"Condition({self.operator.value})"


# --- the operators on plain values ---------------------------------------------------------------

SEPARATORS = "\\s,;:!?\"'(){}<>"  # a regex character class body, read alike by Python and PostgreSQL
_SPLIT = re.compile(f"[{SEPARATORS}]+")


def words_of(text: str) -> list[str]:
    """The words CONTAINS_TOKEN matches against, lower-cased, without trailing dots."""
    return [word.rstrip(".").lower() for word in _SPLIT.split(text)]


def pattern_words(pattern: str) -> list[str]:
    """The words of a CONTAINS_TOKEN pattern; a word that is all dots has none and is left out."""
    return [word for word in words_of(pattern.strip()) if word]


def _glob(pattern: str, word: str) -> bool:
    """`*` for any characters, in time linear in the word for each star (no regex backtracking)."""
    if "*" not in pattern:
        return pattern == word
    p = w = 0
    star, mark = -1, 0
    while w < len(word):
        if p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, w, p + 1
        elif p < len(pattern) and pattern[p] == word[w]:
            p, w = p + 1, w + 1
        elif star >= 0:
            mark += 1
            p, w = star + 1, mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])


def token_matcher(pattern: str) -> Callable[[str], bool]:
    wanted = pattern_words(pattern)
    size = len(wanted)

    def matches(text: str) -> bool:
        words = words_of(text)
        return any(
            all(_glob(p, w) for p, w in zip(wanted, words[start : start + size], strict=True))
            for start in range(len(words) - size + 1)
        )

    return matches


def token_regex(pattern: str) -> str:
    """CONTAINS_TOKEN as a case-insensitive regular expression that Python's re (SQLite) and
    PostgreSQL read alike, for the SQL path: the same words, separators and trailing dots."""
    word, separator = f"[^{SEPARATORS}]", f"[{SEPARATORS}]"

    def piece(text: str) -> str:
        return "".join(f"{word}*" if c == "*" else c if c.isalnum() else "\\" + c for c in text)

    body = f"\\.*{separator}+".join(piece(p) for p in pattern_words(pattern))
    return f"(^|{separator}){body}\\.*({separator}|$)"


def _order_key(data_type: str) -> Callable[[Any], Any]:
    if data_type == T.NUMBER:
        return lambda value: None if isinstance(value, bool) or not isinstance(value, int | float) else value
    return lambda value: value if isinstance(value, str) else None  # dates and datetimes: ISO text, in UTC


def predicate(data_type: str, condition: Condition) -> Callable[[Any], bool]:
    """Whether a value (None: no value) meets the condition; the operators' one definition."""
    op, values = condition.operator, condition.values
    if op == Op.HAS_PROPERTY:
        return lambda value: value is not None and value != ""
    if op == Op.CONTAINS_TOKEN:
        matches = token_matcher(values[0])
        return lambda value: isinstance(value, str) and matches(value)
    if op in (Op.EQ, Op.IN):
        wanted = {crypto.normalise(v) for v in values}
        return lambda value: value is not None and crypto.normalise(value) in wanted
    key = _order_key(data_type)
    bounds = [key(v) for v in values]

    def within(value: Any) -> bool:
        found = None if value is None else key(value)
        if found is None:
            return False
        if op == Op.LT:
            return found < bounds[0]
        if op == Op.LTE:
            return found <= bounds[0]
        if op == Op.GT:
            return found > bounds[0]
        if op == Op.GTE:
            return found >= bounds[0]
        return bounds[0] <= found <= bounds[1]  # BETWEEN

    return within


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
    among: Collection[uuid.UUID] | None = None,
    reveal: bool = False,
    purpose: str = "filter",
) -> list[uuid.UUID]:
    """Records whose `definition` value meets `condition`, among `among` (None: all of the type).

    EQ and IN on a searchable property fetch candidates by blind index and confirm them by
    decrypting (a truncated index matches unrelated values too); HAS_PROPERTY decrypts nothing;
    every other operator decrypts the candidates' values in chunks. One audit event names the
    matching records (a reveal on a highly sensitive property).
    """
    filter_check(actor, definition, reveal=reveal)
    if among is not None and not among:
        return []
    wanted = None if among is None else {pk.bytes for pk in among}
    if condition.operator == Op.HAS_PROPERTY:
        matches = [
            uuid.UUID(bytes=rid) for rid, _ in _rows(definition, wanted, None) if wanted is None or rid in wanted
        ]
        holds = predicate(definition.data_type, condition)
    else:
        tenant_keys = _tenant_keys(definition)
        indexes = None
        if definition.searchable and condition.operator in BLIND_INDEX_OPERATORS:
            indexes = set().union(
                *(crypto.blind_index_candidates(tenant_keys, definition.id, v) for v in condition.values)
            )
        holds = predicate(definition.data_type, condition)
        values = _decrypted(definition, tenant_keys, wanted, indexes) if tenant_keys else ()
        matches = [uuid.UUID(bytes=rid) for rid, value in values if holds(value)]
    if definition.values_moving:
        matches = list(dict.fromkeys([*matches, *(pk for pk, value in _pending(definition, wanted) if holds(value))]))
    _audit(actor, definition, matches, purpose)
    return matches


@sensitive_variables()
def values_of(
    *, actor, definition: PropertyDefinition, record_ids: Sequence[uuid.UUID], reveal: bool = False, purpose: str
) -> dict[uuid.UUID, Any]:
    """The values of `definition` of these records, for an order by them (absent: no value or one
    that does not decrypt). The order tells the values: checked as a filter, audited naming them all."""
    filter_check(actor, definition, reveal=reveal, verb="sort by")
    if not record_ids:
        return {}
    wanted = {pk.bytes for pk in record_ids}
    tenant_keys = _tenant_keys(definition)
    values = _decrypted(definition, tenant_keys, wanted, None) if tenant_keys else ()
    found = {uuid.UUID(bytes=rid): value for rid, value in values}
    if definition.values_moving:
        for pk, value in _pending(definition, wanted):
            found.setdefault(pk, value)
    _audit(actor, definition, list(record_ids), purpose)
    return found


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
    definition: PropertyDefinition, tenant_keys, wanted: set[bytes] | None, indexes: set[int] | None
) -> Iterator[tuple[bytes, Any]]:
    """(record id bytes, value) of the values among `wanted` (None: all), decrypted CHUNK at a time;
    a value that does not decrypt is logged and left out."""
    prefix = crypto.associated_data_prefix(definition.tenant_id, definition.object_type_id)
    property_ad = definition.id.bytes
    rows = _rows(definition, wanted, indexes)
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
    definition: PropertyDefinition, wanted: set[bytes] | None, indexes: set[int] | None
) -> list[tuple[bytes, bytes]]:
    """(record id bytes, ciphertext) of the property's values: those with one of `indexes` (a blind
    index lookup), or of the `wanted` records when few, or all of them. Plain SQL returning bytes:
    making UUIDs and model rows was most of the cost of a scan of 100,000 values."""
    by_id = indexes is None and wanted is not None and len(wanted) <= FETCH_BY_ID_MAX
    table = SensitiveValue._meta.db_table
    if connection.vendor != "postgresql":
        values = SensitiveValue.objects.filter(tenant_id=definition.tenant_id, property=definition)
        if indexes is not None:
            values = values.filter(blind_index__in=indexes)
        elif by_id:
            values = values.filter(record_id__in=[uuid.UUID(bytes=rid) for rid in wanted])
        return [
            (record_id.bytes, bytes(ciphertext))
            for record_id, ciphertext in values.values_list("record_id", "ciphertext")
        ]
    rows: list[tuple[bytes, bytes]] = []
    with binary_cursor() as cursor:
        if by_id:
            ids = [uuid.UUID(bytes=rid) for rid in wanted]
            for start in range(0, len(ids), CHUNK):
                cursor.execute(
                    f"SELECT uuid_send(s.record_id), s.ciphertext FROM unnest({UUID_LIST}) r(id) "  # noqa: S608
                    f"JOIN {table} s ON s.record_id = r.id AND s.property_id = %s",
                    [uuid_list(ids[start : start + CHUNK]), definition.id],
                )
                rows += cursor.fetchall()
            return rows
        where, params = "s.property_id = %s AND s.tenant_id = %s", [definition.id, definition.tenant_id]
        if indexes is not None:
            where += " AND s.blind_index = ANY(%s)"
            params.append(sorted(indexes))
        cursor.execute(f"SELECT uuid_send(s.record_id), s.ciphertext FROM {table} s WHERE {where}", params)  # noqa: S608
        return cursor.fetchall()


def _pending(definition: PropertyDefinition, wanted: set[bytes] | None) -> Iterator[tuple[uuid.UUID, Any]]:
    """(id, value) of values of a property just made sensitive that still wait in the records' JSON
    for their move (sensitive/moves.py): they count as the encrypted ones do."""
    records = Record.objects.filter(
        tenant_id=definition.tenant_id, object_type_id=definition.object_type_id, properties__has_key=definition.name
    )
    for pk, properties in records.values_list("pk", "properties").iterator(chunk_size=CHUNK):
        if wanted is None or pk.bytes in wanted:
            yield pk, properties.get(definition.name)
