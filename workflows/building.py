"""Building an active list: chunks of records (by Record.number) that any number of workers take.

A build has a number (List.build). Starting one numbers it, splits the type's records into chunks
of CHUNK to CHUNK_MAX records (ListBuildChunk rows) and returns them for the caller to queue
(workflows/tasks.py). A chunk evaluates the list's filter on its records as the list's creator,
through the record layer's filter compiler (which audits every decrypting evaluation), and in one
transaction upserts the memberships it found, stamped with the build (one INSERT ... SELECT of the
compiled query: the ids don't travel through Python), marks itself done and counts itself on the
list (F() updates). The chunk that finds every chunk done finishes the build: memberships that no
chunk of this build found are removed. A chunk of an older build, or one already done, writes
nothing: a chunk delivered twice, or queued again after a killed worker, is harmless.

Only ids and numbers travel to the broker; the filter's sealed values are opened in the worker.
"""

from __future__ import annotations

import itertools
import uuid

from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from audit.context import acting_as
from core.db import uuid_to_db
from crm.models import Record
from crm.records import selectors as record_selectors
from crm.records.filters.stored import FilterValueUnreadable, query_open
from workflows.models import List, ListBuildChunk, ListMembership

HOLDER = "list"
CHUNK = 2_000  # records per chunk, at least
CHUNK_MAX = 10_000  # at most: larger types get CHUNKS chunks of up to this many, for the workers to share
CHUNKS = 50
LAST = 2**63 - 1  # the last chunk takes the records created during the build as well

FILTER = ListMembership.Source.FILTER
Chunk = tuple[int, int, int]  # (build, low, high)


def _members_found(the_list: List, numbers: tuple[int, int] | None = None, ids=None) -> QuerySet[Record]:
    """The records numbered within `numbers` (or those of `ids`) that meet the list's filter, for its
    creator: the sensitive filters are evaluated (decrypted, audited) now, the query is what SQL has left."""
    actor = the_list.created_by
    if actor is None or not actor.is_active:
        raise PermissionDenied("The list's creator is no longer active: save the list's filter again.")
    query = query_open(object_type=the_list.object_type, stored=the_list.filters, holder=HOLDER, holder_id=the_list.pk)
    with acting_as(surface_name="workflow", actor=actor):
        records = record_selectors.record_list(
            actor=actor, object_type=the_list.object_type, filters=query, purpose="list", numbers=numbers, ids=ids
        )
        return records.order_by().values("pk")


def _fail(the_list: List, error: Exception) -> None:
    # The messages of these errors name a property and a rule, never a value.
    message = " ".join(getattr(error, "messages", None) or [str(error)])[:255]
    List.objects.filter(pk=the_list.pk).update(status=List.Status.FAILED, error=message)


FAILURES = (PermissionDenied, ValidationError, FilterValueUnreadable)


def _chunk_size(total: int) -> int:
    """Records per chunk: CHUNK, or more for a large type (up to CHUNK_MAX, the fewer chunks the
    less each one's own cost: its message, transaction, audit events) while leaving CHUNKS chunks
    to share between the workers."""
    return max(CHUNK, min(CHUNK_MAX, -(-total // CHUNKS)))


def _bounds(the_list: List) -> list[tuple[int, int]]:
    """(low, high) numbers of the build's chunks: the database numbers the type's records in order
    and returns the first number of each chunk only (index-only scans), not every record's."""
    table = Record._meta.db_table
    tenant, object_type = uuid_to_db(the_list.tenant_id), uuid_to_db(the_list.object_type_id)
    with connection.cursor() as cursor:
        where = "tenant_id = %s AND object_type_id = %s"
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", [tenant, object_type])  # noqa: S608
        size = _chunk_size(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT number FROM (SELECT number, ROW_NUMBER() OVER (ORDER BY number) AS position "  # noqa: S608
            f"FROM {table} WHERE {where}) numbered "
            "WHERE (position - 1) %% %s = 0 ORDER BY number",
            [tenant, object_type, size],
        )
        starts = [number for (number,) in cursor.fetchall()]
    if not starts:
        return []
    return [(low, following - 1) for low, following in itertools.pairwise(starts)] + [(starts[-1], LAST)]


def _members_write(the_list: List, build: int, found: QuerySet[Record]) -> int:
    """Upserts the memberships of the records `found` selects, stamped with the build, in one
    statement: the ids go from the query to the table without a trip through Python. Returns how
    many (each record found is inserted or updated once)."""
    try:
        select, params = found.query.sql_with_params()
    except EmptyResultSet:  # the filter ruled every record out before SQL (no candidate left)
        return 0
    table = ListMembership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (list_id, record_id, added_at, source, build) "  # noqa: S608
            f"SELECT %s, found.pk, %s, %s, %s FROM ({select}) found WHERE true "
            "ON CONFLICT (list_id, record_id) DO UPDATE SET build = excluded.build",
            [
                uuid_to_db(the_list.pk),
                connection.ops.adapt_datetimefield_value(timezone.now()),
                FILTER,
                build,
                *params,
            ],
        )
        return cursor.rowcount


@transaction.atomic
def list_build_start(*, list_id: uuid.UUID | str) -> list[Chunk]:
    """Starts a new build of the active list; returns its chunks, to be queued after the commit."""
    the_list = List.objects.select_for_update().filter(pk=list_id, kind=List.Kind.ACTIVE).first()
    if the_list is None:
        return []
    bounds = _bounds(the_list)
    the_list.build += 1
    the_list.status, the_list.error = List.Status.BUILDING, ""
    the_list.chunks_total, the_list.chunks_done, the_list.matched = len(bounds), 0, 0
    the_list.save()
    the_list.chunks.exclude(build=the_list.build).delete()
    ListBuildChunk.objects.bulk_create(
        [ListBuildChunk(list=the_list, build=the_list.build, low=low, high=high) for low, high in bounds]
    )
    if not bounds:
        _finish(the_list)
    return [(the_list.build, low, high) for low, high in bounds]


def list_chunk_build(*, list_id: uuid.UUID | str, build: int, low: int, high: int) -> int:
    """Evaluates one chunk of a build; returns how many of its records are members."""
    the_list = List.objects.filter(pk=list_id, build=build).select_related("object_type", "created_by").first()
    if the_list is None or the_list.status != List.Status.BUILDING:
        return 0
    if not ListBuildChunk.objects.filter(list=the_list, build=build, low=low, done_at__isnull=True).exists():
        return 0
    try:
        found = _members_found(the_list, (low, high))
    except FAILURES as exc:
        _fail(the_list, exc)
        return 0
    with transaction.atomic():
        chunk = ListBuildChunk.objects.select_for_update().filter(list=the_list, build=build, low=low).first()
        if chunk is None or chunk.done_at is not None:
            return 0
        matched = _members_write(the_list, build, found)
        chunk.done_at, chunk.matched = timezone.now(), matched
        chunk.save(update_fields=["done_at", "matched"])
        counted = List.objects.filter(pk=the_list.pk, build=build).update(
            chunks_done=F("chunks_done") + 1, matched=F("matched") + matched
        )
        if counted:
            fresh = List.objects.get(pk=the_list.pk)
            if fresh.chunks_done >= fresh.chunks_total:
                _finish(fresh)
    return matched


def _finish(the_list: List) -> None:
    the_list.memberships.filter(build__lt=the_list.build).delete()
    List.objects.filter(pk=the_list.pk, build=the_list.build).update(
        status=List.Status.DONE,
        member_count=the_list.memberships.count(),
        last_built_at=timezone.now(),
    )


def list_records_check(*, record_ids) -> int:
    """After records of one type changed: their membership of each active list of the type, the
    filter evaluated once for them all; returns how many memberships changed. A list being built
    is checked too, stamped with its running build."""
    record_ids = [uuid.UUID(str(pk)) for pk in record_ids]
    first = Record.objects.filter(pk__in=record_ids).values("tenant_id", "object_type_id").first()
    if first is None:
        return 0
    lists = List.objects.filter(
        tenant_id=first["tenant_id"], object_type_id=first["object_type_id"], kind=List.Kind.ACTIVE
    ).exclude(status=List.Status.FAILED)
    changed = 0
    for the_list in lists.select_related("object_type", "created_by"):
        try:
            meeting = set(_members_found(the_list, ids=record_ids).values_list("pk", flat=True))
        except FAILURES as exc:
            _fail(the_list, exc)
            continue
        with transaction.atomic():
            members = set(the_list.memberships.filter(record_id__in=record_ids).values_list("record_id", flat=True))
            joining, leaving = meeting - members, members - meeting
            ListMembership.objects.bulk_create(
                [ListMembership(list=the_list, record_id=pk, build=the_list.build, source=FILTER) for pk in joining],
                ignore_conflicts=True,
            )
            the_list.memberships.filter(record_id__in=leaving).delete()
            if joining or leaving:
                List.objects.filter(pk=the_list.pk).update(member_count=the_list.memberships.count())
        changed += len(joining) + len(leaving)
    return changed


def list_build_resume(*, list_id: uuid.UUID | str) -> list[Chunk]:
    """The chunks of the running build not done yet (a worker was lost): queued again, they finish
    it; a chunk whose first delivery still comes writes nothing the second time."""
    the_list = List.objects.filter(pk=list_id, status=List.Status.BUILDING).first()
    if the_list is None:
        return []
    undone = the_list.chunks.filter(build=the_list.build, done_at__isnull=True).order_by("low")
    return [(the_list.build, low, high) for low, high in undone.values_list("low", "high")]


def lists_due(*, stuck_after_seconds: int = 900) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """For the schedule: (active lists to build again, builds started `stuck_after_seconds` ago or
    more and not finished, to resume). A list being built for less long is left alone."""
    # `updated_at` is the build's start: the chunks' F() updates don't touch it.
    stuck = timezone.now() - timezone.timedelta(seconds=stuck_after_seconds)
    active = List.objects.filter(kind=List.Kind.ACTIVE)
    rebuild = active.exclude(status=List.Status.BUILDING).values_list("pk", flat=True)
    resume = active.filter(status=List.Status.BUILDING, updated_at__lte=stuck).values_list("pk", flat=True)
    return list(rebuild), list(resume)
