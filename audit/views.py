"""The audit viewer for a tenant's super admins: a filtered table and its CSV export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.sudo import require_sudo_mode
from audit import selectors
from audit import services as audit_services
from audit.forms import EventFilterForm
from audit.models import AuditEvent
from crm.models import Record

PAGE_SIZE = 50
RECORD_LINKS = 3
DETAILS_CHARS = 80
EXPORT_CHUNK = 2_000
EXPORT_COLUMNS = (
    "id", "when", "actor_email", "actor_id", "kind", "surface", "ip_address", "object_type",
    "record_ids", "property_names", "details", "seq", "hash",
)  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    event: AuditEvent
    records: list[tuple[str, Record | None]] = field(default_factory=list)
    more_records: int = 0
    details: str = ""


@dataclass
class Page:
    rows: list[Row]
    newer_id: int | None = None  # the first event shown, when newer ones exist
    older_id: int | None = None  # the last event shown, when older ones exist


def _filter_form(request: HttpRequest) -> EventFilterForm:
    # The selectors behind the form refuse anyone but the tenant's super admins (PermissionDenied: 403).
    # The page's existence is no secret; what matters is that no one else reads a single event.
    # Always bound: no filters at all is a valid, empty filter.
    return EventFilterForm(request.GET, actor=request.user)


@login_required
@require_GET
def audit_event_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    if not form.is_valid():
        page = Page(rows=[])
    else:
        events = selectors.event_list(actor=request.user, **form.selector_filters())
        page = _page(events, before=request.GET.get("before"), after=request.GET.get("after"))
        _add_record_links(request, page.rows)
    return render(request, "audit/event_list.html", {"form": form, "page": page})


def _cursor(events: QuerySet[AuditEvent], value: str):
    """The (created_at, id) of the event a page link starts from; unknown, foreign or malformed: 404."""
    try:
        event_id = int(value)
    except ValueError:
        raise Http404("No such event.") from None
    created_at = events.filter(pk=event_id).values_list("created_at", flat=True).first()
    if created_at is None:
        raise Http404("No such event.")
    return created_at, event_id


def _page(events: QuerySet[AuditEvent], *, before: str | None, after: str | None) -> Page:
    """Keyset pages on (created_at, id), the order of the (tenant, ..., -created_at) indexes: no OFFSET scans."""
    if after:
        created_at, event_id = _cursor(events, after)
        newer = events.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=event_id))
        chunk = list(newer.order_by("created_at", "id")[: PAGE_SIZE + 1])
        if len(chunk) > PAGE_SIZE:
            shown = chunk[:PAGE_SIZE][::-1]
            return Page([Row(event) for event in shown], newer_id=shown[0].pk, older_id=shown[-1].pk)
        before = None  # the newest page: show it whole
    elif before:
        created_at, event_id = _cursor(events, before)
        events = events.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=event_id))
    chunk = list(events[: PAGE_SIZE + 1])
    shown = chunk[:PAGE_SIZE]
    return Page(
        [Row(event) for event in shown],
        newer_id=shown[0].pk if before and shown else None,
        older_id=shown[-1].pk if len(chunk) > PAGE_SIZE else None,
    )


def _add_record_links(request: HttpRequest, rows: list[Row]) -> None:
    wanted = {record_id for row in rows for record_id in row.event.record_ids[:RECORD_LINKS]}
    records = selectors.event_records(actor=request.user, record_ids=wanted)
    for row in rows:
        ids = row.event.record_ids
        # Records deleted since keep their events: they show as ids, without a link.
        row.records = [(record_id, records.get(record_id)) for record_id in ids[:RECORD_LINKS]]
        row.more_records = max(len(ids) - RECORD_LINKS, 0)
        details = json.dumps(row.event.details, sort_keys=True, ensure_ascii=False) if row.event.details else ""
        row.details = details if len(details) <= DETAILS_CHARS else details[: DETAILS_CHARS - 1] + "…"


@login_required
@require_GET
@require_sudo_mode
def audit_event_export(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV, streamed in chunks; the export itself is an audit event."""
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "page": Page(rows=[])}, status=400)
    events = selectors.event_list(actor=request.user, **form.selector_filters())
    exported = audit_services.events_export_record(actor=request.user, filters=form.described())
    # The events before this export: a tenant's ids grow with its chain, so later ones stay out.
    rows = events.filter(pk__lt=exported.pk).iterator(chunk_size=EXPORT_CHUNK)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = f"audit-events-{timezone.now():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for event in events:
        yield writer.writerow([_cell(value) for value in _csv_values(event)])


def _csv_values(event: AuditEvent) -> list:
    return [
        event.pk,
        event.created_at.isoformat(),
        event.actor_email,
        event.actor_id or "",
        event.kind,
        event.surface,
        event.ip_address,
        event.object_type,
        " ".join(event.record_ids),
        " ".join(event.property_names),
        json.dumps(event.details, sort_keys=True, ensure_ascii=False) if event.details else "",
        event.seq,
        event.hash,
    ]


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
