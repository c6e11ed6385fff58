"""The staff UI of workflows: the index, the builder (trigger fields; conditions and actions as
JSON, checked with a message per field and step), and a workflow's page with its history."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from crm.selectors import object_type_list
from workflows.automation import selectors, services
from workflows.models import Workflow

CONFIG_FIELDS = ("property", "list", "form", "offset_days", "every_minutes", "cron")
WHOLE = ("list", "offset_days", "every_minutes")


def _workflow_or_404(request: HttpRequest, number: int) -> Workflow:
    try:
        return selectors.workflow_get(actor=request.user, number=number)
    except selectors.WorkflowNotFound:
        raise Http404("No such workflow.") from None


@login_required
def workflow_index(request: HttpRequest) -> HttpResponse:
    return render(request, "workflows/workflow_index.html", {"workflows": selectors.workflow_list(actor=request.user)})


@login_required
@never_cache
def workflow_detail(request: HttpRequest, number: int) -> HttpResponse:
    workflow = _workflow_or_404(request, number)
    context = {
        "workflow": workflow,
        "summary": selectors.workflow_summary(workflow),
        "history": selectors.workflow_history(actor=request.user, workflow=workflow),
    }
    return render(request, "workflows/workflow_detail.html", context)


def _json_field(post, name: str, errors: dict) -> list:
    text = (post.get(name) or "").strip()
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError as exc:
        errors[name] = [f"This is not valid JSON (line {exc.lineno}, column {exc.colno})."]
        return []
    if not isinstance(value, list):
        errors[name] = ["Give a JSON list."]
        return []
    return value


def _data_of(post) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    config = {}
    for field in CONFIG_FIELDS:
        value = (post.get(f"trigger_{field}") or "").strip()
        if not value:
            continue
        if field in WHOLE:
            try:
                value = int(value)
            except ValueError:
                errors["trigger"] = [f"Trigger: {field} must be a whole number."]
                continue
        config[field] = value
    try:
        cap = int(post.get("enrolment_cap_per_hour") or 10)
    except ValueError:
        cap = -1
    data = {
        "name": post.get("name", ""),
        "trigger": post.get("trigger", ""),
        "trigger_config": config,
        "conditions": _json_field(post, "conditions", errors),
        "actions": _json_field(post, "actions", errors),
        "enabled": post.get("enabled") == "on",
        "enrolment_cap_per_hour": cap,
    }
    return data, errors


def _form(request: HttpRequest, workflow: Workflow | None) -> HttpResponse:
    types = list(object_type_list(actor=request.user))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = _data_of(request.POST)
        object_type = next((t for t in types if t.name == request.POST.get("object_type")), None)
        if workflow is None and object_type is None:
            errors["object_type"] = ["Choose an object type."]
        if not errors:
            try:
                if workflow is None:
                    workflow = services.workflow_create(actor=request.user, object_type=object_type, data=data)
                else:
                    workflow = services.workflow_update(actor=request.user, workflow=workflow, data=data)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            else:
                return redirect("workflow_detail", number=workflow.number)
        values = request.POST
    else:
        values = _initial(workflow)
    context = {
        "workflow": workflow,
        "types": types,
        "triggers": Workflow.Trigger.choices,
        "values": values,
        "errors": errors,
    }
    return render(request, "workflows/workflow_form.html", context, status=400 if errors else 200)


def _initial(workflow: Workflow | None) -> dict:
    if workflow is None:
        return {"enabled": "on", "enrolment_cap_per_hour": 10, "actions": "[]", "conditions": ""}
    shown = selectors.workflow_shown(workflow)
    values = {
        "name": workflow.name,
        "object_type": workflow.object_type.name,
        "trigger": workflow.trigger,
        "enabled": "on" if workflow.enabled else "",
        "enrolment_cap_per_hour": workflow.enrolment_cap_per_hour,
        "conditions": json.dumps(shown["conditions"], indent=2) if shown["conditions"] else "",
        "actions": json.dumps(shown["actions"], indent=2),
    }
    values.update({f"trigger_{k}": v for k, v in workflow.trigger_config.items()})
    return values


@login_required
@never_cache
@sensitive_post_parameters()  # condition values may be sensitive: none of them in an error report
@require_http_methods(["GET", "POST"])
def workflow_create(request: HttpRequest) -> HttpResponse:
    return _form(request, None)


@login_required
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def workflow_edit(request: HttpRequest, number: int) -> HttpResponse:
    return _form(request, _workflow_or_404(request, number))


@login_required
@require_http_methods(["POST"])
def workflow_delete(request: HttpRequest, number: int) -> HttpResponse:
    services.workflow_delete(actor=request.user, workflow=_workflow_or_404(request, number))
    return redirect("workflow_index")
