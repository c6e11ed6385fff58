"""The staff UI of reports: the index, a form (source, measure, group, bucket, chart, filter rows
as the lists builder has them), a report's page (the chart beside its table; the chart's data in a
json_script block drawn by static/js/report_chart.js, as the CSP allows no inline script) and its
CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from crm.records.filters import Operator, query_parse
from crm.records.filters.stored import FilterValueUnreadable, query_shown
from crm.selectors import object_type_list
from reports import export, selectors, services
from reports.models import Report
from workflows.filter_rows import ROWS, filter_groups_of
from workflows.selectors import list_get, list_list


def _report_or_404(request: HttpRequest, report_id) -> Report:
    try:
        return selectors.report_get(actor=request.user, report_id=report_id)
    except selectors.ReportNotFound:
        raise Http404("No such report.") from None


def _messages(exc: Exception) -> list[str]:
    if not isinstance(exc, ValidationError):  # PermissionDenied, FilterValueUnreadable: name no value
        return [str(exc)]
    found = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return [m if where == "__all__" else f"{where}: {m}" for where, ms in found.items() for m in ms]


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/report_index.html", {"reports": selectors.report_list(actor=request.user)})


def _spec(request: HttpRequest, types: list, with_filters: bool) -> services.ReportSpec:
    data = request.POST
    source = data.get("source", "")
    spec = services.ReportSpec(
        name=data.get("name", ""),
        measure=data.get("measure", Report.Measure.COUNT),
        measure_property=data.get("measure_property", ""),
        group_by=data.get("group_by", ""),
        bucket=data.get("bucket", Report.Bucket.NONE),
        bucket_property=data.get("bucket_property", ""),
        chart=data.get("chart", Report.Chart.BAR),
    )
    if source.startswith("list:"):
        try:
            spec.the_list = list_get(actor=request.user, number=int(source[5:]))
        except (ValueError, LookupError):
            raise ValidationError({"source": "There is no such list."}) from None
    else:
        spec.object_type = next((t for t in types if t.name == source.removeprefix("type:")), None)
    if with_filters:
        spec.filters = query_parse(filter_groups_of(data))
    return spec


@login_required
@never_cache
@sensitive_post_parameters()  # filter values may be sensitive: none of them in an error report
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, report_id=None) -> HttpResponse:
    report = _report_or_404(request, report_id) if report_id else None
    types = list(object_type_list(actor=request.user))
    errors: list[str] = []
    if request.method == "POST":
        try:
            if report is None:
                report = services.report_create(actor=request.user, spec=_spec(request, types, True))
            else:
                replace = bool(request.POST.get("replace_filters"))
                report = services.report_update(actor=request.user, report=report, spec=_spec(request, types, replace))
        except (ValidationError, PermissionDenied) as exc:
            errors = _messages(exc)
        else:
            return redirect("report_detail", report_id=report.pk)
    context = {
        "report": report,
        "types": types,
        "lists": list_list(actor=request.user),
        "rows": range(ROWS),
        "operators": [op.value for op in Operator],
        "measures": Report.Measure.choices,
        "buckets": Report.Bucket.choices,
        "charts": Report.Chart.choices,
        "shown_filters": query_shown(report.filters) if report else [],
        "errors": errors,
        "data": request.POST if request.method == "POST" else None,
    }
    return render(request, "reports/report_form.html", context, status=400 if errors else 200)


@login_required
@never_cache
def report_detail(request: HttpRequest, report_id) -> HttpResponse:
    report = _report_or_404(request, report_id)
    context = {"report": report, "shown_filters": query_shown(report.filters)}
    try:
        result = selectors.report_run(viewer=request.user, report=report)
    except (ValidationError, PermissionDenied, FilterValueUnreadable) as exc:
        context["errors"] = _messages(exc)
        return render(request, "reports/report_detail.html", context, status=403)
    context |= {"result": result, "chart": export.chart_data(result)}
    return render(request, "reports/report_detail.html", context)


@login_required
@never_cache
def report_export(request: HttpRequest, report_id) -> HttpResponse:
    report = _report_or_404(request, report_id)
    try:
        result = selectors.report_run(viewer=request.user, report=report, export=True)
    except (ValidationError, PermissionDenied, FilterValueUnreadable) as exc:
        return HttpResponse("\n".join(_messages(exc)), status=403, content_type="text/plain; charset=utf-8")
    response = HttpResponse(export.csv_of(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name(report)}"'
    return response


@login_required
@require_POST
def report_delete(request: HttpRequest, report_id) -> HttpResponse:
    services.report_delete(actor=request.user, report=_report_or_404(request, report_id))  # 403 if not theirs
    return redirect("report_index")
