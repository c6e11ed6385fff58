"""The records that time-based triggers enrol: a date property reached (daily), a schedule's run.
Read as the workflow's author through the record layer's filter compiler, so a sensitive date is
compared in the worker, audited, and never leaves it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.context import acting_as
from crm.models import PropertyDefinition
from crm.records import selectors as record_selectors
from crm.records.filters import query_parse
from workflows.models import Workflow


def _records(workflow: Workflow, query) -> list[str]:
    actor = workflow.created_by
    if actor is None or not actor.is_active:
        return []
    with acting_as(surface_name="workflow", actor=actor):
        try:
            found = record_selectors.record_list(
                actor=actor, object_type=workflow.object_type, filters=query, purpose="workflow"
            )
            return [str(pk) for pk in found.values_list("pk", flat=True)]
        except (ValidationError, PermissionDenied):
            return []


def dates_due(*, today: dt.date | None = None) -> list[tuple[str, list[str], str]]:
    """(workflow id, record ids, event) of each date workflow: records whose date is today minus
    the offset (an offset of 3 enrols three days after the date; -3 three days before)."""
    today = today or timezone.localdate()
    found = []
    workflows = Workflow.objects.filter(trigger=Workflow.Trigger.DATE, enabled=True).select_related(
        "object_type", "created_by"
    )
    for workflow in workflows:
        name = workflow.trigger_config.get("property", "")
        definition = PropertyDefinition.objects.filter(object_type=workflow.object_type, name=name).first()
        if definition is None or definition.is_highly_sensitive:
            continue
        day = (today - dt.timedelta(days=workflow.trigger_config.get("offset_days", 0))).isoformat()
        if definition.data_type == PropertyDefinition.DataType.DATE:
            condition = {"propertyName": name, "operator": "EQ", "value": day}
        else:
            condition = {
                "propertyName": name,
                "operator": "BETWEEN",
                "value": f"{day}T00:00:00+00:00",
                "highValue": f"{day}T23:59:59.999+00:00",
            }
        record_ids = _records(workflow, query_parse([{"filters": [condition]}]))
        if record_ids:
            found.append((str(workflow.pk), record_ids, f"date:{today.isoformat()}"))
    return found


def scheduled_records(*, workflow_id) -> tuple[list[str], str]:
    """The records a scheduled workflow's run enrols (its conditions are checked at enrolment)."""
    workflow = (
        Workflow.objects.filter(pk=workflow_id, enabled=True, trigger=Workflow.Trigger.SCHEDULE)
        .select_related("object_type", "created_by")
        .first()
    )
    if workflow is None:
        return [], ""
    now = timezone.now()
    return _records(workflow, None), f"schedule:{now:%Y%m%d%H%M}"
