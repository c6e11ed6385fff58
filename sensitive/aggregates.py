"""The values of one sensitive property over a set of records, for aggregates (reports).

Part of the choke point (with selectors.py, services.py and matching.py): outside sensitive/, only
the record layer (crm/records/aggregates.py) calls it. A grouped count by an enumeration says how
many records hold each value, so reading values for an aggregate needs the view permission, as a
filter does, and is refused outright on a highly sensitive property (an aggregate can't be masked
until a reveal). Each call is audited once, before anything is decrypted: the event names the
property and the purpose, not the records (a report over a million records would otherwise write
a million ids for numbers that name none of them), and never a value.

Values are read in one SQL statement (joined with the records' query, so the database does the
narrowing) and decrypted in chunks with the batch AEAD (sensitive/tink_bulk.py); the caller gets
(record id bytes, value) pairs as a stream and keeps only what it sums. A count by a searchable
enumeration needs no decryption at all: option_counts counts the blind indexes in SQL.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, QuerySet
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import binary_cursor
from crm.models import PropertyDefinition, Record
from sensitive import crypto, keys
from sensitive.matching import FilterRefused, filter_check
from sensitive.models import SensitiveValue
from sensitive.option_index import option_indexes

logger = logging.getLogger(__name__)
CHUNK = 10_000  # values decrypted at a time


def aggregate_check(actor, definition: PropertyDefinition, *, use: str = "reports") -> None:
    """Raises FilterRefused unless `actor` may aggregate over the property: the view permission,
    and never a highly sensitive one."""
    if definition.is_highly_sensitive:
        raise FilterRefused(
            f"{definition.label} ({definition.name}) is highly sensitive: highly sensitive properties "
            f"can't be used in {use}.",
            definition,
        )
    filter_check(actor, definition, verb="report on")


@sensitive_variables()
def values_over(
    *,
    actor,
    definition: PropertyDefinition,
    records: QuerySet[Record],
    purpose: str = "report",
    details=None,
    with_ids: bool = True,
) -> Iterator[list]:
    """Chunks of (record id bytes, value) of `definition`'s values held by `records` (a QuerySet of
    records of its type, already scoped to who may see them), or of values only (`with_ids`
    False: a count needs no ids), decrypted a chunk at a time. Checks the permission and writes
    the audit event before returning the stream."""
    aggregate_check(actor, definition)
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVE_READ,
        actor=actor,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"purpose": purpose, **(details or {})},
    )
    try:
        tenant_keys = keys.tenant_keys(definition.tenant_id)
    except keys.TenantKeysDestroyed:
        tenant_keys = None
    return _stream(definition, tenant_keys, records, with_ids)


@sensitive_variables()
def option_counts(
    *, actor, definition: PropertyDefinition, records: QuerySet[Record], purpose: str = "report", details=None
) -> Counter | None:
    """{option: how many of `records` hold it} of a searchable sensitive enumeration, counted in SQL
    by blind index, nothing decrypted (option_index.py); None when the index can't tell every
    value apart (two options share an index, a value has none) and values_over must decrypt them."""
    if definition.values_moving or not definition.searchable:
        return None
    aggregate_check(actor, definition)
    try:
        tenant_keys = keys.tenant_keys(definition.tenant_id)
    except keys.TenantKeysDestroyed:
        return None
    option_of = option_indexes(tenant_keys, definition)
    if option_of is None:
        return None
    held = (
        SensitiveValue.objects.filter(
            property=definition, tenant_id=definition.tenant_id, record_id__in=records.order_by().values("pk")
        )
        .order_by()
        .values_list("blind_index")
        .annotate(n=Count("pk"))
    )
    counts: Counter = Counter()
    for index, n in held:
        if index not in option_of:
            return None
        counts[option_of[index]] += n
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVE_READ,
        actor=actor,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"purpose": purpose, "counted_by": "blind index", **(details or {})},
    )
    return counts


def _stream(definition: PropertyDefinition, tenant_keys, records: QuerySet[Record], with_ids: bool) -> Iterator[list]:
    prefix = crypto.associated_data_prefix(definition.tenant_id, definition.object_type_id)
    at, end = len(prefix), len(prefix) + 16  # the record id's place in the associated data
    undecryptable = crypto.UNDECRYPTABLE
    for items in _items(definition, records, prefix) if tenant_keys is not None else ():
        values = crypto.decrypt_many(tenant_keys, items)
        if undecryptable in values:
            for (_, ad), value in zip(items, values, strict=True):
                if value is undecryptable:
                    record_id = uuid.UUID(bytes=ad[at:end])
                    logger.error("Sensitive value %s of record %s cannot be decrypted.", definition.name, record_id)
        if with_ids:
            yield [(ad[at:end], v) for (_, ad), v in zip(items, values, strict=True) if v is not undecryptable]
        else:
            yield [v for v in values if v is not undecryptable] if undecryptable in values else values
    if definition.values_moving:  # values of a property just made sensitive wait in the JSON for their move
        pending = records.order_by().filter(properties__has_key=definition.name)
        rows = pending.values_list("pk", "properties").iterator(chunk_size=CHUNK)
        found = [(pk.bytes, properties.get(definition.name)) for pk, properties in rows]
        yield found if with_ids else [value for _, value in found]


def _items(definition: PropertyDefinition, records: QuerySet[Record], prefix: bytes) -> Iterator[list]:
    """(ciphertext, associated data) of the values of `records`, CHUNK at a time. On PostgreSQL the
    associated data is put together by the query: in Python that was a fifth of the time."""
    ids = records.order_by().values("pk")
    property_ad = definition.id.bytes
    if connection.vendor != "postgresql":
        values = SensitiveValue.objects.filter(property=definition, record_id__in=ids)
        items = [
            (bytes(ct), prefix + rid.bytes + property_ad) for rid, ct in values.values_list("record_id", "ciphertext")
        ]
        for start in range(0, len(items), CHUNK):
            yield items[start : start + CHUNK]
        return
    sql, params = ids.query.sql_with_params()
    table = SensitiveValue._meta.db_table
    with binary_cursor() as cursor:
        cursor.execute(
            f"SELECT s.ciphertext, %s::bytea || uuid_send(s.record_id) || %s::bytea FROM {table} s "  # noqa: S608
            f"WHERE s.property_id = %s AND s.tenant_id = %s AND s.record_id IN ({sql})",
            [prefix, property_ad, definition.id, definition.tenant_id, *params],
        )
        while chunk := cursor.fetchmany(CHUNK):
            yield chunk
