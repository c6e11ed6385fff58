"""Events that enrol records: the record layer's record_changed (created, property changed), a
static list's members added, a form submitted. A receiver runs in the committing process, after
the commit: it finds the workflows listening and queues their enrolment (ids only), nothing more.
Date and schedule triggers are sweeps.py.
"""

from __future__ import annotations

import uuid

from django.dispatch import receiver

from crm.records.events import CREATED, UPDATED, record_changed
from workflows.automation.tasks import enrol_queue
from workflows.list_events import list_members_added
from workflows.models import List, Workflow


def _event(prefix: str) -> str:
    # One event per signal: its enrolment task, delivered twice, enrols once.
    return f"{prefix}:{uuid.uuid4().hex}"


@receiver(record_changed, dispatch_uid="workflows.automation.record_changed")
def _record_changed(sender, *, tenant_id, object_type_id, record_ids, change, properties=(), **kwargs) -> None:
    if change not in (CREATED, UPDATED):
        return
    workflows = Workflow.objects.filter(tenant_id=tenant_id, object_type_id=object_type_id, enabled=True)
    if change == CREATED:
        workflows = workflows.filter(trigger=Workflow.Trigger.CREATED)
    else:
        workflows = workflows.filter(trigger=Workflow.Trigger.CHANGED, trigger_config__property__in=list(properties))
    for workflow_id in workflows.values_list("pk", flat=True):
        enrol_queue(workflow_id=workflow_id, record_ids=record_ids, event=_event(change))


@receiver(list_members_added, dispatch_uid="workflows.automation.list_members_added")
def _list_members_added(sender, *, tenant_id, list_id, record_ids, **kwargs) -> None:
    number = List.objects.filter(pk=list_id).values_list("number", flat=True).first()
    workflows = Workflow.objects.filter(
        tenant_id=tenant_id, enabled=True, trigger=Workflow.Trigger.LIST_ADDED, trigger_config__list=number
    )
    for workflow_id in workflows.values_list("pk", flat=True):
        enrol_queue(workflow_id=workflow_id, record_ids=record_ids, event=_event("list"))


def form_submitted(*, tenant_id, form_id: str, record_id) -> int:
    """The entry point for forms (the CRM has none yet): call it after the submission's record is
    committed. Returns how many workflows were queued."""
    workflows = Workflow.objects.filter(
        tenant_id=tenant_id, enabled=True, trigger=Workflow.Trigger.FORM, trigger_config__form=str(form_id)
    )
    ids = list(workflows.values_list("pk", flat=True))
    for workflow_id in ids:
        enrol_queue(workflow_id=workflow_id, record_ids=[record_id], event=_event("form"))
    return len(ids)
