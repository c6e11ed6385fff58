"""Enrolling records and running their steps, one step per Celery task (tasks.py).

Idempotent at both ends. An enrolment is unique by (workflow, record, trigger event): an enrolment
task delivered twice enrols once. A step is claimed by its key "<enrolment>:<step>" (a
StepExecution row) under a lock on its enrolment; the action of a database step runs in the
transaction that marks it done, and a step found done (a task delivered twice, or run twice at
once) is not done again. A failed step that may heal (a webhook's 500 or timeout) is tried again
with a growing delay, then the enrolment fails; every outcome is recorded, none crashes the worker.

A loop between workflows is refused when they are saved (rules.py); what slips past it (a chain
through a surface the check can't see) meets the cap: at most `enrolment_cap_per_hour` enrolments of
one record in one workflow an hour, refusals recorded as capped enrolments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from audit.context import acting_as
from crm.models import Record
from workflows.automation.actions import StepFailed, action_run, conditions_met
from workflows.automation.definition import step_name, wait_seconds
from workflows.models import Enrolment, StepExecution, Workflow

MAX_ATTEMPTS = 5  # tries of a step that may heal (webhooks), and of one that keeps crashing
BACKOFF = (10, 60, 300, 900)  # seconds before each retry

NEXT, LATER, RETRY, END = "next", "later", "retry", "end"
Status, StepStatus = Enrolment.Status, StepExecution.Status


@dataclass(frozen=True)
class Outcome:
    kind: str
    step: int = 0
    countdown: int = 0


def _workflow(workflow_id) -> Workflow | None:
    return (
        Workflow.objects.filter(pk=workflow_id, enabled=True)
        .select_related("object_type", "created_by", "tenant")
        .first()
    )


def _runnable(workflow: Workflow | None) -> bool:
    return workflow is not None and workflow.created_by is not None and workflow.created_by.is_active


def enrol(*, workflow_id, record_ids, event: str) -> list[int]:
    """Enrols those of the records that meet the workflow's conditions and its cap; returns the ids of
    the enrolments to start (a second delivery of the same event returns them again: harmless)."""
    workflow = _workflow(workflow_id)
    if not _runnable(workflow):
        return []
    records = Record.objects.filter(
        pk__in=list(record_ids),
        tenant_id=workflow.tenant_id,
        object_type=workflow.object_type,
        archived_at__isnull=True,
    )
    with acting_as(surface_name="workflow", actor=workflow.created_by):
        try:
            meeting = conditions_met(workflow, records, workflow.conditions or {})
        except StepFailed:
            return []
    numbers = dict(records.filter(pk__in=meeting).values_list("pk", "number"))
    if not numbers:
        return []
    now = timezone.now()
    recent = dict(
        Enrolment.objects.filter(
            workflow=workflow, record_number__in=numbers.values(), started_at__gte=now - dt.timedelta(hours=1)
        )
        .exclude(status=Status.CAPPED)
        .exclude(event=event)
        .values_list("record_number")
        .annotate(n=Count("id"))
    )
    hour = now.strftime("%Y%m%d%H")
    rows = []
    for pk, number in numbers.items():
        if recent.get(number, 0) >= workflow.enrolment_cap_per_hour:
            error = f"Re-enrolment cap reached: {workflow.enrolment_cap_per_hour} enrolments in an hour."
            rows.append(
                Enrolment(
                    workflow=workflow,
                    record_id=pk,
                    record_number=number,
                    event=f"capped:{hour}",
                    status=Status.CAPPED,
                    error=error,
                    finished_at=now,
                )
            )
        else:
            rows.append(Enrolment(workflow=workflow, record_id=pk, record_number=number, event=event))
    Enrolment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return list(
        Enrolment.objects.filter(workflow=workflow, event=event, status=Status.RUNNING, step=0).values_list(
            "id", flat=True
        )
    )


def _finish(enrolment: Enrolment, status: str, error: str = "") -> None:
    enrolment.status, enrolment.error, enrolment.finished_at, enrolment.wake_at = (
        status,
        error[:255],
        timezone.now(),
        None,
    )
    enrolment.save(update_fields=["status", "error", "finished_at", "wake_at", "step", "touched_at"])


def _claim(enrolment: Enrolment, index: int, action: dict) -> StepExecution:
    step, _ = StepExecution.objects.get_or_create(
        key=f"{enrolment.pk}:{index}", defaults={"enrolment": enrolment, "index": index, "action": action["type"]}
    )
    # Counted apart from the action's transaction, so that a step that crashes its attempts is seen.
    StepExecution.objects.filter(pk=step.pk, status__in=(StepStatus.RUNNING, StepStatus.RETRYING)).update(
        attempts=F("attempts") + 1
    )
    return step


def _record_of(enrolment: Enrolment) -> Record:
    record = Record.objects.filter(pk=enrolment.record_id).select_related("owner", "object_type").first()
    if record is None:
        raise StepFailed("The record was deleted.")
    if record.archived_at is not None:
        raise StepFailed("The record was archived.")
    return record


def _wait(enrolment: Enrolment, step: StepExecution, action: dict, now) -> Outcome | None:
    """None when the wait is over (the step is then done like any other)."""
    if step.status != StepStatus.WAITING:
        enrolment.wake_at = now + dt.timedelta(seconds=wait_seconds(action))
        enrolment.status = Status.WAITING
        enrolment.save(update_fields=["wake_at", "status", "touched_at"])
        step.status, step.outcome = StepStatus.WAITING, f"Waiting until {enrolment.wake_at:%Y-%m-%d %H:%M:%S} UTC"
        step.save(update_fields=["status", "outcome"])
    if enrolment.wake_at and now < enrolment.wake_at:
        return Outcome(LATER, step.index, max(1, int((enrolment.wake_at - now).total_seconds()) + 1))
    enrolment.status, enrolment.wake_at = Status.RUNNING, None
    return None


def step_run(*, enrolment_id: int, index: int) -> Outcome:
    """Runs step `index` of the enrolment unless it was run already; says what comes next."""
    enrolment = Enrolment.objects.filter(pk=enrolment_id).select_related("workflow").first()
    if enrolment is None or enrolment.status not in (Status.RUNNING, Status.WAITING) or enrolment.step != index:
        return Outcome(END)  # finished, or this step is behind it: a duplicate delivery
    workflow = _workflow(enrolment.workflow_id)
    actions = workflow.actions if workflow is not None else []
    if index >= len(actions):
        with transaction.atomic():
            _finish(
                enrolment,
                Status.DONE if workflow is not None else Status.FAILED,
                "" if workflow is not None else "The workflow was turned off or deleted.",
            )
        return Outcome(END)
    action = actions[index]
    step = _claim(enrolment, index, action)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_id)
        step = StepExecution.objects.select_for_update().get(pk=step.pk)
        if enrolment.step != index or step.status in (StepStatus.DONE, StepStatus.FAILED):
            return Outcome(END)
        now = timezone.now()
        if action["type"] == "wait":
            later = _wait(enrolment, step, action, now)
            if later is not None:
                return later
            done_outcome, goto = "Waited", None
        else:
            try:
                if not _runnable(workflow):
                    raise StepFailed("The workflow's author is no longer active: save the workflow again.")
                if step.attempts > MAX_ATTEMPTS:
                    raise StepFailed(f"Gave up after {MAX_ATTEMPTS} attempts.")
                with acting_as(surface_name="workflow", actor=workflow.created_by), transaction.atomic():
                    done = action_run(workflow, _record_of(enrolment), action, index)
                done_outcome, goto = done.outcome, done.goto
            except StepFailed as failed:
                return _failed(enrolment, step, action, failed)
        step.status, step.outcome, step.error, step.finished_at = StepStatus.DONE, done_outcome[:255], "", now
        step.save(update_fields=["status", "outcome", "error", "finished_at"])
        enrolment.step = index + 1 if goto is None else goto
        if enrolment.step >= len(actions):
            _finish(enrolment, Status.DONE)
            return Outcome(END)
        enrolment.save(update_fields=["step", "status", "wake_at", "touched_at"])
        return Outcome(NEXT, enrolment.step)


def _failed(enrolment: Enrolment, step: StepExecution, action: dict, failed: StepFailed) -> Outcome:
    message = f"{step_name(step.index, action)}: {failed.message}"[:255]
    step.error = failed.message
    if failed.retry and step.attempts < MAX_ATTEMPTS:
        step.status = StepStatus.RETRYING
        step.save(update_fields=["status", "error"])
        enrolment.save(update_fields=["touched_at"])
        return Outcome(RETRY, step.index, BACKOFF[min(step.attempts, len(BACKOFF)) - 1])
    step.status, step.finished_at = StepStatus.FAILED, timezone.now()
    step.save(update_fields=["status", "error", "finished_at"])
    _finish(enrolment, Status.FAILED, message)
    return Outcome(END)


def enrolments_due(*, stale_after_seconds: int = 900) -> list[tuple[int, int]]:
    """(enrolment, step) to run again: waits that are over, and running enrolments untouched for
    long (their message was lost with a worker)."""
    now = timezone.now()
    waiting = Enrolment.objects.filter(status=Status.WAITING, wake_at__lte=now)
    stale = Enrolment.objects.filter(
        status=Status.RUNNING, touched_at__lte=now - dt.timedelta(seconds=stale_after_seconds)
    )
    return list((waiting | stale).values_list("id", "step")[:10000])
