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
    if enrolments:
        workflow_steps_task.delay(enrolments, 0)
    return len(enrolments)


@shared_task(acks_late=True, **RETRIES)
def workflow_steps_task(enrolment_ids: list, index: int) -> int:
    """Step `index` of a batch of enrolments (up to CHUNK: those enrolled together move together)."""
    outcomes = engine.steps_run(enrolment_ids=enrolment_ids, index=index)
    for outcome in outcomes:
        ids = list(outcome.enrolment_ids)
        if outcome.kind == engine.NEXT:
            workflow_steps_task.delay(ids, outcome.step)
        elif outcome.kind == engine.RETRY:
            # In-process (no broker) a retry runs at once; with a worker, after the backoff.
            workflow_steps_task.apply_async((ids, outcome.step), countdown=outcome.countdown)
        elif outcome.kind == engine.LATER and not _eager():  # in-process, the sweep wakes it
            workflow_steps_task.apply_async((ids, outcome.step), countdown=outcome.countdown)
    return len(enrolment_ids)


@shared_task(acks_late=True)
def workflows_wake_task() -> int:
    """The schedule: waits that are over, and steps whose message was lost, run again."""
    due = engine.enrolments_due()
    by_step: dict[int, list] = {}
    for enrolment_id, step in due:
        by_step.setdefault(step, []).append(enrolment_id)
    for step, ids in by_step.items():
        for start in range(0, len(ids), CHUNK):
            workflow_steps_task.delay(ids[start : start + CHUNK], step)
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
