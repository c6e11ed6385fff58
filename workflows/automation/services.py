"""Workflows: create, change, delete. Everything is checked before anything is saved, and each
message names its field (trigger, conditions, actions: the step and the property).

Conditions and branch conditions are stored as lists' filters are, their sensitive values sealed to
the workflow (crm/records/filters/stored.py); a literal value that a step writes into a sensitive
property is sealed the same way. The one who saves a workflow is the one as whom it runs.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import ObjectType
from crm.records.filters import query_parse
from crm.records.filters.stored import REDACTED, query_check, query_open, query_seal
from workflows.automation import schedules
from workflows.automation.definition import actions_shape, is_copy, step_name
from workflows.automation.rules import Checker, loop_find
from workflows.models import Workflow

HOLDER = "workflow"
MAX_NAME = 255


def _query_clean(checker: Checker, groups: Any, where: str):
    """A parsed, checked query, or None with the message added."""
    try:
        query = query_parse(groups)
        query_check(actor=checker.actor, object_type=checker.object_type, query=query, use="workflows")
    except (ValidationError, PermissionDenied) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        checker.errors.extend(f"{where}: {message}" for message in messages)
        return None
    for f in query.filters:
        if f.value == REDACTED or REDACTED in f.values:
            checker.errors.append(f"{where}: give the value of the filter on {f.property_name} again.")
            return None
    return query


def _trigger_clean(checker: Checker, kind: str, config: Any) -> dict:
    if kind not in Workflow.Trigger.values:
        checker.errors.append("Trigger: choose one of " + ", ".join(Workflow.Trigger.values) + ".")
        return {}
    config = dict(config) if isinstance(config, dict) else {}
    kept = {
        Workflow.Trigger.CREATED: (),
        Workflow.Trigger.CHANGED: ("property",),
        Workflow.Trigger.LIST_ADDED: ("list",),
        Workflow.Trigger.FORM: ("form",),
        Workflow.Trigger.DATE: ("property", "offset_days"),
        Workflow.Trigger.SCHEDULE: ("every_minutes", "cron"),
    }[kind]
    config = {key: config[key] for key in kept if config.get(key) not in (None, "")}
    if kind == Workflow.Trigger.DATE:
        offset = config.setdefault("offset_days", 0)
        if isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > 3650:
            checker.errors.append("Trigger: offset_days is a whole number of days from -3650 to 3650.")
    if kind == Workflow.Trigger.FORM and not str(config.get("form", "")).strip():
        checker.errors.append("Trigger: give the form's id.")
    if kind == Workflow.Trigger.SCHEDULE:
        try:
            schedules.schedule_check(config)
        except ValidationError as exc:
            checker.errors.extend(f"Trigger: {m}" for m in exc.messages)
    checker.trigger(kind, config)
    return config


def _seal_literal(workflow: Workflow, name: str, value: Any) -> str:
    query = query_parse([{"filters": [{"propertyName": name, "operator": "EQ", "value": value}]}])
    stored = query_seal(object_type=workflow.object_type, query=query, holder=HOLDER, holder_id=workflow.pk)
    return stored["filterGroups"][0]["filters"][0]["sealed"]


def literal_open(workflow: Workflow, action: dict) -> Any:
    """The sealed literal of a set_property step, opened (in the worker that runs it)."""
    groups = [{"filters": [{"propertyName": action["property"], "operator": "EQ", "sealed": action["sealed"]}]}]
    query = query_open(
        object_type=workflow.object_type, stored={"filterGroups": groups}, holder=HOLDER, holder_id=workflow.pk
    )
    return query.filters[0].value


def _actions_clean(checker: Checker, workflow: Workflow, actions: Any, previous: list) -> list[dict]:
    shaped, errors = actions_shape(actions)
    checker.errors.extend(errors)
    if errors:
        return []
    stored = []
    for index, action in enumerate(copy.deepcopy(shaped)):
        checker.action(index, action)
        if action["type"] == "branch":
            query = _query_clean(checker, action.pop("filterGroups"), step_name(index, action))
            if query is not None:
                action["conditions"] = query_seal(
                    object_type=workflow.object_type, query=query, holder=HOLDER, holder_id=workflow.pk
                )
        target = checker.definitions.get(action.get("property", "")) if action["type"] == "set_property" else None
        if target is not None and target.is_sensitive and not is_copy(action) and not checker.errors:
            value = action.pop("value", None)
            old = previous[index] if index < len(previous) else {}
            if value == REDACTED and old.get("property") == target.name and "sealed" in old:
                action["sealed"] = old["sealed"]  # kept as it was: shown REDACTED, not read back
            elif value is not None:
                action["sealed"] = _seal_literal(workflow, target.name, value)
        stored.append(action)
    return stored


def _name_clean(actor: User, name: str, current: Workflow) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": f"A workflow needs a name of at most {MAX_NAME} characters."})
    if Workflow.objects.for_tenant(actor.tenant_id).filter(name__iexact=name).exclude(pk=current.pk).exists():
        raise ValidationError({"name": f"There is already a workflow named {name!r}."})
    return name


def _apply(actor: User, workflow: Workflow, data: dict, previous: list) -> None:
    """Checks and sets every field given; raises one ValidationError with every message by field."""
    errors: dict[str, list[str]] = {}
    try:
        workflow.name = _name_clean(actor, data.get("name", workflow.name), workflow)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    checker = Checker(actor, workflow.object_type)
    workflow.trigger_config = _trigger_clean(
        checker, data.get("trigger", workflow.trigger), data.get("trigger_config", {})
    )
    workflow.trigger = data.get("trigger", workflow.trigger)
    if checker.errors:
        errors["trigger"], checker.errors = checker.errors, []
    groups = data.get("conditions") or []
    query = _query_clean(checker, groups, "Conditions") if groups else None
    if checker.errors:
        errors["conditions"], checker.errors = checker.errors, []
    elif query is not None:
        workflow.conditions = query_seal(
            object_type=workflow.object_type, query=query, holder=HOLDER, holder_id=workflow.pk
        )
    else:
        workflow.conditions = {}
    workflow.actions = _actions_clean(checker, workflow, data.get("actions", []), previous)
    if checker.errors:
        errors["actions"] = checker.errors
    cap = data.get("enrolment_cap_per_hour", workflow.enrolment_cap_per_hour)
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 1000:
        errors["enrolment_cap_per_hour"] = ["The re-enrolment cap is a whole number from 1 to 1000 an hour."]
    else:
        workflow.enrolment_cap_per_hour = cap
    workflow.enabled = bool(data.get("enabled", workflow.enabled))
    if not errors:
        loop = loop_find(workflow)
        if loop:
            errors["actions"] = [loop]
    if errors:
        raise ValidationError(errors)


def _event(kind: str, actor: User, workflow: Workflow, **details) -> None:
    audit_services.event_record(
        kind=kind,
        actor=actor,
        object_type=workflow.object_type.name,
        details={
            "workflow": str(workflow.pk),
            "workflow_number": workflow.number,
            "trigger": workflow.trigger,
            **details,
        },
    )


def _save(workflow: Workflow) -> None:
    try:
        with transaction.atomic():
            workflow.save()
    except IntegrityError:
        raise ValidationError({"name": f"There is already a workflow named {workflow.name!r}."}) from None
    schedules.schedule_sync(workflow)


@transaction.atomic
def workflow_create(*, actor: User, object_type: ObjectType, data: dict) -> Workflow:
    """`data`: name, trigger, trigger_config, conditions (filterGroups), actions, enabled,
    enrolment_cap_per_hour (see definition.py)."""
    if object_type.tenant_id != actor.tenant_id:
        raise ValidationError({"object_type": "There is no such object type."})
    workflow = Workflow(tenant_id=actor.tenant_id, object_type=object_type, created_by=actor, trigger="")
    workflow.webhook_secret = secrets.token_urlsafe(32)
    _apply(actor, workflow, data, [])
    _save(workflow)
    _event(AuditEvent.Kind.WORKFLOW_CREATED, actor, workflow)
    return workflow


@transaction.atomic
def workflow_update(*, actor: User, workflow: Workflow, data: dict) -> Workflow:
    """Replaces the workflow's definition; whoever saves it becomes the one as whom it runs."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    _apply(actor, workflow, data, list(workflow.actions))
    workflow.created_by = actor
    _save(workflow)
    _event(AuditEvent.Kind.WORKFLOW_CHANGED, actor, workflow)
    return workflow


@transaction.atomic
def workflow_delete(*, actor: User, workflow: Workflow) -> None:
    _event(AuditEvent.Kind.WORKFLOW_DELETED, actor, workflow)
    schedules.schedule_remove(workflow)
    workflow.delete()
