"""The staff UI shell: home, object index and record page; thin views over selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.sudo import require_sudo_mode
from crm import selectors
from crm.models import ObjectType, PropertyDefinition, Record
from sensitive import selectors as sensitive_selectors

PAGE_SIZE = 50
INDEX_COLUMNS = 5


def _object_type_or_404(request: HttpRequest, name: str) -> ObjectType:
    try:
        return selectors.object_type_get(actor=request.user, name=name)
    except ObjectType.DoesNotExist:
        raise Http404("No such object type.") from None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/home.html", {"recent_records": selectors.record_recent(actor=request.user)})


@login_required
def record_index(request: HttpRequest, type_name: str) -> HttpResponse:
    object_type = _object_type_or_404(request, type_name)
    query = request.GET.get("q", "")[:200]
    columns = [d for d in selectors.property_definitions(object_type=object_type) if not d.is_sensitive][:INDEX_COLUMNS]
    records = selectors.record_list(actor=request.user, object_type=object_type, search=query)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(record, [record.properties.get(column.name, "") for column in columns]) for record in page]
    return render(
        request,
        "crm/record_index.html",
        {"object_type": object_type, "columns": columns, "rows": rows, "page": page, "query": query},
    )


def _record_or_404(request: HttpRequest, object_type: ObjectType, record_id: str) -> Record:
    try:
        record = selectors.record_get(actor=request.user, record_id=record_id)
    except Record.DoesNotExist:
        raise Http404("No such record.") from None
    if record.object_type_id != object_type.id:
        raise Http404("No such record.")
    return record


def _render_record(request: HttpRequest, object_type: ObjectType, record: Record, revealed=None) -> HttpResponse:
    readings = sensitive_selectors.values_read(actor=request.user, records=[record]).get(record.pk, {})
    readings.update(revealed or {})
    groups: dict[str, list] = {}
    for definition in selectors.property_definitions(object_type=object_type):
        value = readings.get(definition.name) if definition.is_sensitive else record.properties.get(definition.name)
        groups.setdefault(definition.group or "Other", []).append((definition, value))
    associations = selectors.record_associations(actor=request.user, record=record)
    return render(
        request,
        "crm/record_detail.html",
        {"object_type": object_type, "record": record, "groups": groups, "associations": associations},
    )


@login_required
def record_detail(request: HttpRequest, type_name: str, record_id: str) -> HttpResponse:
    object_type = _object_type_or_404(request, type_name)
    return _render_record(request, object_type, _record_or_404(request, object_type, record_id))


@login_required
@require_POST
@require_sudo_mode
def record_reveal(request: HttpRequest, type_name: str, record_id: str, name: str) -> HttpResponse:
    """Shows one highly sensitive value on this response only; a reload hides it again. Audited."""
    object_type = _object_type_or_404(request, type_name)
    record = _record_or_404(request, object_type, record_id)
    try:
        reading = sensitive_selectors.value_reveal(actor=request.user, record=record, name=name)
    except PropertyDefinition.DoesNotExist:
        raise Http404("No such property.") from None
    return _render_record(request, object_type, record, revealed={name: reading})
