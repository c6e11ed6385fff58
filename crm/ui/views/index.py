"""The object index: a sorted, filtered, keyset-paginated table of records, read through the record layer."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.sudo import confirm_first, recently_confirmed
from crm import selectors
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import api as records_api
from crm.records import selectors as record_selectors
from crm.ui.forms.filters import RecordFilterForm, sort_choices
from crm.ui.views.common import object_type_or_404
from sensitive import filter_tokens
from sensitive.readings import Reading, State

PAGE_SIZE = 50
INDEX_COLUMNS = 5
MAX_COLUMNS = 20
COLUMNS_SESSION_KEY = "crm.index_columns.{}"

FILTER_SESSION_ID = "filter_session_id"


def _index_columns(
    request: HttpRequest, object_type: ObjectType, definitions: list[PropertyDefinition], notices: list[str]
) -> list[PropertyDefinition]:
    """?columns=a,b,c (or repeated ?columns=a), else the choice kept in the session, else the first five."""
    by_name = {definition.name: definition for definition in definitions}
    session_key = COLUMNS_SESSION_KEY.format(object_type.name)
    asked = [name.strip() for value in request.GET.getlist("columns") for name in value.split(",") if name.strip()]
    if asked:
        unknown = [name[:63] for name in asked if name not in by_name]
        if unknown:
            notices.append(f"{object_type.label_plural} have no property named {', '.join(unknown[:5])}: left out.")
        chosen = list(dict.fromkeys(name for name in asked if name in by_name))[:MAX_COLUMNS]
        if chosen:
            if request.session.get(session_key) != chosen:
                request.session[session_key] = chosen
            return [by_name[name] for name in chosen]
    saved = [by_name[name] for name in request.session.get(session_key, []) if name in by_name]
    return saved or definitions[:INDEX_COLUMNS]


def _index_sort(
    request: HttpRequest, object_type: ObjectType, definitions: list[PropertyDefinition], notices: list[str]
) -> record_selectors.RecordSort:
    value = request.GET.get("sort", "")[:100]
    try:
        return record_selectors.record_sort_parse(object_type=object_type, value=value, definitions=definitions)
    except record_selectors.InvalidRecordSort as exc:
        notices.append(f"{exc} Showing the newest first.")
        return record_selectors.record_sort_parse(object_type=object_type, value=record_selectors.RECORD_SORT_DEFAULT)


def _query_string(params: QueryDict, **changes: str) -> str:
    """The current query string without page cursors, with `changes` applied (empty values dropped)."""
    query = params.copy()
    for key in ("after", "before", *changes):
        query.pop(key, None)
    for key, value in changes.items():
        if value:
            query[key] = value
    return query.urlencode()


def _cell(text: Any = None, css: str = "", title: str = "", spoken: str = "") -> dict:
    """One table cell, worked out here rather than in template logic: 50 rows of many columns add up."""
    if text is None or text == "":
        return {"text": "—", "css": "muted"}
    return {"text": text, "css": css, "title": title, "spoken": spoken}


def _sensitive_cell(reading: Reading | None) -> dict:
    if reading is None or reading.state == State.EMPTY:
        return _cell()
    if reading.is_value:
        return _cell(reading.value)  # already the display value
    if reading.state == State.MASKED:
        return _cell(str(reading), "masked", "Hidden: reveal it on the record page", "Hidden value")
    if reading.state == State.RESTRICTED:
        return _cell("Restricted", "restricted", f"Ask {reading.hint} for access")
    return _cell(str(reading), "error")


def _index_rows(request: HttpRequest, records: list[Record], columns: list[PropertyDefinition], base: str) -> list:
    """Rows for the page: the record layer reads the page's sensitive values in one call."""
    views = records_api.record_views(
        actor=request.user, records=records, properties=[column.name for column in columns], purpose="list"
    )
    rows = []
    for view in views:
        record = view.record
        cells = [
            _sensitive_cell(view.display.get(column.name))
            if column.is_sensitive
            else _cell(view.display.get(column.name))
            for column in columns
        ]
        rows.append(
            {
                "name": str(record),
                "url": f"{base}{record.pk}/",
                "cells": cells,
                "created": timezone.localtime(record.created_at).date().isoformat(),
                "updated": timezone.localtime(record.updated_at).date().isoformat(),
            }
        )
    return rows


def _sort_link(params: QueryDict, sort: record_selectors.RecordSort, key: str) -> dict:
    """The link a sortable header points at (toggling when it is the current sort), and its aria-sort state."""
    current = sort.key == key
    first = f"-{key}" if key in ("created", "updated") else key  # dates: newest first
    target = (key if sort.descending else f"-{key}") if current else first
    state = ("descending" if sort.descending else "ascending") if current else ""
    return {"url": "?" + _query_string(params, sort=target), "state": state}


def _headers(params: QueryDict, sort: record_selectors.RecordSort, columns: list[PropertyDefinition]) -> dict:
    """Name, the chosen columns (sensitive ones are not sortable) and the two dates."""
    return {
        "name": _sort_link(params, sort, "name"),
        "columns": [
            {"definition": column, **({} if column.is_sensitive else _sort_link(params, sort, f"p.{column.name}"))}
            for column in columns
        ],
        "created": _sort_link(params, sort, "created"),
        "updated": _sort_link(params, sort, "updated"),
    }


def _filter_session_id(request: HttpRequest) -> str:
    """What binds filter tokens to this session: a random id kept in it, so that it survives the new
    session key given at each confirmation (session fixation), and dies with the session."""
    return request.session.setdefault(FILTER_SESSION_ID, secrets.token_urlsafe(16))


def _filter_params_tokenized(request: HttpRequest, definitions: list[PropertyDefinition]) -> str:
    """The posted controls as a query string, with sensitive filter values replaced by opaque tokens."""
    sensitive = {f"f.{d.name}": d for d in definitions if d.is_sensitive}
    params = request.POST.copy()
    params.pop("csrfmiddlewaretoken", None)
    for key, definition in sensitive.items():
        value = params.get(key, "")
        if value:
            params[key] = filter_tokens.filter_token_make(
                actor=request.user, definition=definition, value=value, session_id=_filter_session_id(request)
            )
    return params.urlencode()


def _filter_data(request: HttpRequest, definitions: list[PropertyDefinition], notices: list[str]) -> QueryDict:
    """The GET parameters with sensitive filter tokens opened; a sensitive value typed into the address is
    dropped, so that the product never leads people to put sensitive values in URLs."""
    data = request.GET.copy()
    for definition in (d for d in definitions if d.is_sensitive):
        key = f"f.{definition.name}"
        value = data.get(key, "")
        if not value:
            continue
        try:
            opened = filter_tokens.filter_token_read(
                actor=request.user, definition=definition, token=value, session_id=_filter_session_id(request)
            )
        except filter_tokens.FilterTokenRefused as exc:
            data.pop(key)
            notices.append(str(exc))
            continue
        if opened is None:
            data.pop(key)
            notices.append(f"The filter on {definition.label} was left out: use the Filters form for sensitive values.")
        else:
            data[key] = opened
    return data


@login_required
@never_cache
@sensitive_post_parameters()
def record_index(request: HttpRequest, type_name: str) -> HttpResponse:
    object_type = object_type_or_404(request, type_name)
    definitions = list(selectors.property_definitions(object_type=object_type))
    if request.method == "POST":
        # Controls are posted, so that a sensitive filter value never travels in the address.
        return redirect(
            f"{reverse('record_index', args=[object_type.name])}?{_filter_params_tokenized(request, definitions)}"
        )
    notices: list[str] = []
    query = request.GET.get("q", "")[:200].replace("\x00", "")  # PostgreSQL text cannot hold NUL
    columns = _index_columns(request, object_type, definitions, notices)
    sort = _index_sort(request, object_type, definitions, notices)
    filter_form = RecordFilterForm(
        _filter_data(request, definitions, notices), actor=request.user, definitions=definitions
    )
    filters = filter_form.filters()
    # Which records match a highly sensitive value says what their value is: a filter on one is a
    # reveal, so it asks for the password or a code when the last check is old (sudo mode).
    reveal = any(filter_form.definitions[name].is_highly_sensitive for name in filters.property_names)
    if reveal and not recently_confirmed(request):
        return confirm_first(request)
    notices += filter_form.refused
    if filter_form.errors:
        notices.append("Some filters have errors and were left out: see Filters.")
    try:
        records = record_selectors.record_list(
            actor=request.user, object_type=object_type, search=query, filters=filters, reveal=reveal
        )
    except (PermissionDenied, ValidationError) as exc:
        # The form offers only what the actor may use; this is a safety net, never a 500.
        notices.append(f"The filters could not be applied: {'; '.join(getattr(exc, 'messages', [str(exc)]))}")
        records = record_selectors.record_list(actor=request.user, object_type=object_type, search=query)
    try:
        page = record_selectors.record_page(
            records=records.select_related(None),  # the index shows no owner or team: no joins, fewer objects
            sort=sort,
            after=request.GET.get("after", "")[:1000],
            before=request.GET.get("before", "")[:1000],
            size=PAGE_SIZE,
        )
    except record_selectors.InvalidRecordCursor:
        notices.append("That page link no longer works: showing the first page.")
        page = record_selectors.record_page(records=records.select_related(None), sort=sort, size=PAGE_SIZE)
    sorts = sort_choices(definitions)
    chosen = {column.name for column in columns}
    params = request.GET.copy()
    params["columns"] = ",".join(column.name for column in columns)
    params["sort"] = sort.param
    return render(
        request,
        "crm/record_index.html",
        {
            "object_type": object_type,
            "active_type": object_type.name,
            "columns": columns,
            "rows": _index_rows(request, page.records, columns, reverse("record_index", args=[object_type.name])),
            "page": page,
            "query": query,
            "sort": sort,
            "headers": _headers(params, sort, columns),
            "filter_form": filter_form,
            "filters_active": filter_form.active_count(),
            "clear_filters_url": "?" + _query_string(params, **{key: "" for key in params if key.startswith("f.")}),
            "column_choices": [(d, d.name in chosen) for d in definitions],
            "sort_choices": sorts,
            "sort_label": dict(sorts).get(sort.param, "newest first"),
            "notices": notices,
            "next_url": f"?{_query_string(params, after=page.next_cursor)}" if page.next_cursor else "",
            "previous_url": f"?{_query_string(params, before=page.previous_cursor)}" if page.previous_cursor else "",
        },
    )
