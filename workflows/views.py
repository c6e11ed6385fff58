"""The staff UI of lists: the index, a builder (filter groups as rows), a list's page with its
members read through the record layer (masked per viewer) and the build's progress."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from crm.records import api as records
from crm.records.filters import Operator, query_parse
from crm.selectors import object_type_list, property_definitions
from workflows import selectors, services
from workflows.filter_rows import ROWS, filter_groups_of
from workflows.models import List

MEMBER_PAGE = 50
MEMBER_COLUMNS = 3


def _list_or_404(request: HttpRequest, number: int) -> List:
    try:
        return selectors.list_get(actor=request.user, number=number)
    except selectors.ListNotFound:
        raise Http404("No such list.") from None


@login_required
def list_index(request: HttpRequest) -> HttpResponse:
    return render(request, "workflows/list_index.html", {"lists": selectors.list_list(actor=request.user)})


@login_required
@never_cache
def list_detail(request: HttpRequest, number: int) -> HttpResponse:
    the_list = _list_or_404(request, number)
    definitions = list(property_definitions(object_type=the_list.object_type))[:MEMBER_COLUMNS]
    page = list(selectors.list_members(actor=request.user, the_list=the_list)[:MEMBER_PAGE])
    views = records.record_views(
        actor=request.user, records=page, properties=[d.name for d in definitions], purpose="view"
    )
    rows = [(view, [view.display[d.name] for d in definitions]) for view in views]
    context = {"list": the_list, "definitions": definitions, "rows": rows, "building": the_list.status == "building"}
    return render(request, "workflows/list_detail.html", context)


@login_required
@never_cache
@sensitive_post_parameters()  # filter values may be sensitive: none of them in an error report
@require_http_methods(["GET", "POST"])
def list_create(request: HttpRequest) -> HttpResponse:
    types = list(object_type_list(actor=request.user))
    errors: list[str] = []
    if request.method == "POST":
        object_type = next((t for t in types if t.name == request.POST.get("object_type")), None)
        try:
            if object_type is None:
                raise ValidationError({"object_type": "Choose an object type."})
            kind = request.POST.get("kind", List.Kind.STATIC)
            query = query_parse(filter_groups_of(request.POST)) if kind == List.Kind.ACTIVE else None
            the_list = services.list_create(
                actor=request.user, object_type=object_type, name=request.POST.get("name", ""), kind=kind, filters=query
            )
        except ValidationError as exc:
            found = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            errors = [m if field == "__all__" else f"{field}: {m}" for field, ms in found.items() for m in ms]
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            return redirect("list_detail", number=the_list.number)
    context = {
        "types": types,
        "rows": range(ROWS),
        "operators": [op.value for op in Operator],
        "errors": errors,
        "kinds": List.Kind.choices,
    }
    return render(request, "workflows/list_form.html", context, status=400 if errors else 200)
