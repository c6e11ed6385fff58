"""Which events concern a record: the index behind "who accessed this record".

On PostgreSQL it is a GIN index over the record ids inside each event (an expression index on
AuditEvent.record_ids, which the hash chain covers): an event adds its ids to GIN's pending list
in one write. One index row per record, as before, cost more than the decryption in an audited
bulk read (about 10 ms per 1,000 records, growing with the table). SQLite has no GIN: there each
record gets an AuditEventRecord row, written with the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import QuerySet

from audit.models import AuditEvent, AuditEventRecord
from core.db import rows_insert

SQL_FUNCTION = "audit_record_uuids"  # made by migration 0004 on PostgreSQL: record_ids JSON -> uuid[]


class RecordUuids(models.Func):
    function = SQL_FUNCTION
    output_field = ArrayField(models.UUIDField())


def has_rows() -> bool:
    """Whether the index is AuditEventRecord rows (SQLite) rather than GIN over the events."""
    return connection.vendor != "postgresql"


def index_add(event_id: int, record_ids: list[str]) -> None:
    if has_rows() and record_ids:
        rows = [(event_id, record_id.replace("-", "")) for record_id in record_ids]
        rows_insert(AuditEventRecord._meta.db_table, ["event_id", "record_id"], rows, ["int8", "uuid"])


def events_concerning(events: QuerySet[AuditEvent], record_id: uuid.UUID | str) -> QuerySet[AuditEvent]:
    if has_rows():
        return events.filter(record_links__record_id=record_id)
    return events.alias(_record_uuids=RecordUuids("record_ids")).filter(_record_uuids__contains=[record_id])


def rows_of(event_ids: Iterable[int]) -> dict[int, set[str]] | None:
    """The index rows of these events, for the chain check; None where there are no separate rows."""
    if not has_rows():
        return None
    rows: dict[int, set[str]] = {}
    links = AuditEventRecord.objects.filter(event_id__in=list(event_ids)).values_list("event_id", "record_id")
    for event_id, record_id in links:
        rows.setdefault(event_id, set()).add(str(record_id))
    return rows


def rows_delete(event_ids: list[int]) -> None:
    if has_rows():
        QuerySet.delete(AuditEventRecord.objects.filter(event_id__in=event_ids))
