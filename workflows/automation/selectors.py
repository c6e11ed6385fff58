"""Reads of workflows, scoped by the actor's tenant, and the execution history that the workflow's
page and the record's page show (steps' outcomes and errors name properties and rules only)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from crm.models import Record
from crm.records.filters.stored import REDACTED, query_shown
from crm.records.visibility import visibility_of
from workflows.automation.definition import step_name, wait_seconds
from workflows.models import Enrolment, StepExecution, Workflow

HISTORY = 50


class WorkflowNotFound(LookupError):
    """No such workflow in the actor's tenant."""


def workflow_list(*, actor: User) -> QuerySet[Workflow]:
    return Workflow.objects.for_tenant(actor.tenant_id).select_related("object_type", "created_by")


def workflow_get(*, actor: User, number: int) -> Workflow:
    try:
        return workflow_list(actor=actor).get(number=number)
    except (Workflow.DoesNotExist, ValueError, TypeError):
        raise WorkflowNotFound from None


def _with_steps(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return enrolments.select_related("workflow", "record__object_type").prefetch_related(
        Prefetch("steps", queryset=StepExecution.objects.order_by("index"))
    )


def workflow_history(*, actor: User, workflow: Workflow, limit: int = HISTORY) -> list[Enrolment]:
    """The latest enrolments; `shown_record` is the record only when the actor's record scope holds
    it (else the page names it by number)."""
    enrolments = list(_with_steps(workflow.enrolments.all())[:limit])
    visibility = visibility_of(actor)
    for enrolment in enrolments:
        record = enrolment.record
        enrolment.shown_record = record if record is not None and visibility.allows(record) else None
    return enrolments


def record_history(*, actor: User, record: Record, limit: int = HISTORY) -> list[Enrolment]:
    """The record's enrolments in the workflows of the actor's tenant (the caller has checked that
    the actor sees the record)."""
    enrolments = Enrolment.objects.filter(record=record, workflow__tenant_id=actor.tenant_id)
    found = list(_with_steps(enrolments)[:limit])
    for enrolment in found:
        enrolment.shown_record = record
    return found


def workflow_shown(workflow: Workflow) -> dict:
    """The definition as the builder shows it: sealed values as REDACTED (set again, never read back)."""
    actions = []
    for action in workflow.actions:
        shown = {key: value for key, value in action.items() if key not in ("sealed", "conditions")}
        if "sealed" in action:
            shown["value"] = REDACTED
        if "conditions" in action:
            shown["filterGroups"] = query_shown(action["conditions"])
        actions.append(shown)
    return {"conditions": query_shown(workflow.conditions or {}), "actions": actions}


def _describe(action: dict) -> str:
    kind = action["type"]
    if kind == "set_property":
        value = REDACTED if "sealed" in action else action.get("value")
        return (
            f"set {action['property']} to {value!r}"
            if value != REDACTED
            else f"set {action['property']} (sealed value)"
        )
    if kind == "create_task":
        return f"create the task {action['title']!r} for {action.get('owner', 'record_owner')}"
    if kind == "notify":
        return f"email {action.get('to', 'record_owner')}: {action['subject']!r}"
    if kind in ("list_add", "list_remove"):
        return f"{'add to' if kind == 'list_add' else 'remove from'} list {action['list']}"
    if kind == "wait":
        return f"wait {wait_seconds(action)} seconds"
    if kind == "branch":
        return f"if the condition holds go on, else go to step {action['else_step']}"
    return f"call {action['url']} with {', '.join(action.get('properties', [])) or 'the record id'}"


def workflow_summary(workflow: Workflow) -> list[str]:
    """One line a step, for the workflow's page."""
    return [f"{step_name(i, action)}: {_describe(action)}" for i, action in enumerate(workflow.actions)]
