"""Celery tasks of workflows: ids, numbers and event keys only, never a value (ARCHITECTURE.md
rule 5). Thin: engine.py decides; these queue what comes next."""

from __future__ import annotations

from celery import current_app, shared_task
from django.db import DatabaseError

from workflows.automation import engine, sweeps

# Unexpected errors (the database gone a moment): Celery retries with backoff. A step's own failures
# (an endpoint's 500) are recorded and retried by the engine's schedule instead.
RETRIES = {
    "autoretry_for": (DatabaseError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}
CHUNK = 500  # records per enrolment task


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def enrol_queue(*, workflow_id, record_ids, event: str) -> None:
    """Queues the enrolment of records, CHUNK at a time."""
    record_ids = [str(pk) for pk in record_ids]
    for start in range(0, len(record_ids), CHUNK):
        workflow_enrol_task.delay(str(workflow_id), record_ids[start : start + CHUNK], event)


@shared_task(acks_late=True, **RETRIES)
def workflow_enrol_task(workflow_id: str, record_ids: list, event: str) -> int:
    enrolments = engine.enrol(workflow_id=workflow_id, record_ids=record_ids, event=event)
    for enrolment_id in enrolments:
        workflow_step_task.delay(enrolment_id, 0)
    return len(enrolments)


@shared_task(acks_late=True, **RETRIES)
def workflow_step_task(enrolment_id: int, index: int) -> str:
    outcome = engine.step_run(enrolment_id=enrolment_id, index=index)
    if outcome.kind == engine.NEXT:
        workflow_step_task.delay(enrolment_id, outcome.step)
    elif outcome.kind == engine.RETRY:
        # In-process (no broker) a retry runs at once; with a worker, after the backoff.
        workflow_step_task.apply_async((enrolment_id, outcome.step), countdown=outcome.countdown)
    elif outcome.kind == engine.LATER and not _eager():  # in-process, the sweep wakes it
        workflow_step_task.apply_async((enrolment_id, outcome.step), countdown=outcome.countdown)
    return outcome.kind


@shared_task(acks_late=True)
def workflows_wake_task() -> int:
    """The schedule: waits that are over, and steps whose message was lost, run again."""
    due = engine.enrolments_due()
    for enrolment_id, step in due:
        workflow_step_task.delay(enrolment_id, step)
    return len(due)


@shared_task(acks_late=True)
def workflows_dates_task() -> int:
    """The schedule, daily: records whose date property (plus the trigger's offset) is today."""
    queued = 0
    for workflow_id, record_ids, event in sweeps.dates_due():
        enrol_queue(workflow_id=workflow_id, record_ids=record_ids, event=event)
        queued += len(record_ids)
    return queued


@shared_task(acks_late=True, **RETRIES)
def workflow_schedule_task(workflow_id: str) -> int:
    """A scheduled workflow's run (its own django-celery-beat entry): every record meeting its
    conditions is enrolled."""
    record_ids, event = sweeps.scheduled_records(workflow_id=workflow_id)
    enrol_queue(workflow_id=workflow_id, record_ids=record_ids, event=event)
    return len(record_ids)
