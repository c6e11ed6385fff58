"""Enrolling records and running their steps: the enrolments made together (up to 500) go through
each step together, one Celery task (tasks.py) and, for set-property steps, one bulk write of the
record layer per step; steps that call out (email, webhooks) still take one transaction per record.

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

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from audit.context import acting_as
from core.db import rows_update_from
from crm.models import Record
from workflows.automation.actions import Done, StepFailed, actions_run, conditions_met
from workflows.automation.definition import step_name, wait_seconds
from workflows.models import Enrolment, StepExecution, Workflow

MAX_ATTEMPTS = 5  # tries of a step that may heal (webhooks), and of one that keeps crashing
BACKOFF = (10, 60, 300, 900)  # seconds before each retry

NEXT, LATER, RETRY, END = "next", "later", "retry", "end"
Status, StepStatus = Enrolment.Status, StepExecution.Status


@dataclass(frozen=True)
class Outcome:
    """What comes next for a group of enrolments: their next step, now (NEXT) or after `countdown`
    seconds (LATER: a wait; RETRY: a step that may heal), or nothing (END)."""

    kind: str
    step: int = 0
    countdown: int = 0
    enrolment_ids: tuple = ()


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


def _finish(enrolment: Enrolment, status: str, error: str = "", now=None) -> None:
    enrolment.status, enrolment.error, enrolment.finished_at, enrolment.wake_at = status, error[:255], now, None


def steps_run(*, enrolment_ids, index: int) -> list[Outcome]:
    """Runs step `index` of each of the enrolments that is at it and hasn't run it; says what comes
    next, one Outcome per group of enrolments that go on together."""
    at_step = Enrolment.objects.filter(pk__in=list(enrolment_ids), status__in=(Status.RUNNING, Status.WAITING))
    by_workflow: dict = {}
    for enrolment_id, workflow_id in at_step.filter(step=index).values_list("id", "workflow_id").order_by("id"):
        by_workflow.setdefault(workflow_id, []).append(enrolment_id)
    outcomes = []
    for workflow_id, ids in by_workflow.items():
        workflow = _workflow(workflow_id)
        actions = workflow.actions if workflow is not None else []
        action = actions[index] if index < len(actions) else None
        # Steps that call out (email, an endpoint) take one enrolment per transaction, so that no
        # batch of rows stays locked while a server answers.
        groups = [[pk] for pk in ids] if action and action["type"] in CALLS_OUT else [ids]
        for group in groups:
            outcomes.extend(_batch_run(workflow, action, group, index))
    return _grouped(outcomes)


def step_run(*, enrolment_id: int, index: int) -> Outcome:
    """One enrolment's step `index` (see steps_run)."""
    outcomes = steps_run(enrolment_ids=[enrolment_id], index=index)
    return outcomes[0] if outcomes else Outcome(END)


CALLS_OUT = ("notify", "webhook")


def _grouped(outcomes: list[Outcome]) -> list[Outcome]:
    merged: dict[tuple, list] = {}
    for outcome in outcomes:
        if outcome.kind != END:
            merged.setdefault((outcome.kind, outcome.step, outcome.countdown), []).extend(outcome.enrolment_ids)
    if not merged and outcomes:
        return [Outcome(END)]
    return [Outcome(kind, step, countdown, tuple(ids)) for (kind, step, countdown), ids in merged.items()]


def _claim(ids: list[int], index: int, action: dict) -> None:
    """Each enrolment's step row, keyed "<enrolment>:<step>", and one more attempt counted on it:
    committed apart from the action's transaction, so that a step that crashes its attempts is seen."""
    StepExecution.objects.bulk_create(
        [StepExecution(enrolment_id=pk, index=index, action=action["type"], key=f"{pk}:{index}") for pk in ids],
        ignore_conflicts=True,
    )
    StepExecution.objects.filter(
        key__in=[f"{pk}:{index}" for pk in ids], status__in=(StepStatus.RUNNING, StepStatus.RETRYING)
    ).update(attempts=F("attempts") + 1)


def _batch_run(workflow: Workflow | None, action: dict | None, ids: list[int], index: int) -> list[Outcome]:
    if action is None:  # past the last step, or the workflow is gone
        with transaction.atomic():
            enrolments = list(Enrolment.objects.select_for_update().filter(pk__in=ids, step=index).order_by("pk"))
            now = timezone.now()
            for enrolment in enrolments:
                if workflow is not None:
                    _finish(enrolment, Status.DONE, now=now)
                else:
                    _finish(enrolment, Status.FAILED, "The workflow was turned off or deleted.", now)
            _save(enrolments, [], now)
        return [Outcome(END)]
    _claim(ids, index, action)
    with transaction.atomic():
        enrolments = list(
            Enrolment.objects.select_for_update()
            .filter(pk__in=ids, step=index, status__in=(Status.RUNNING, Status.WAITING))
            .order_by("pk")
        )
        keys = [f"{enrolment.pk}:{index}" for enrolment in enrolments]
        steps = {
            s.enrolment_id: s for s in StepExecution.objects.select_for_update().filter(key__in=keys).order_by("pk")
        }
        todo = [e for e in enrolments if steps[e.pk].status not in (StepStatus.DONE, StepStatus.FAILED)]
        if not todo:
            return [Outcome(END)]
        now = timezone.now()
        if action["type"] == "wait":
            later, todo = _wait(todo, steps, action, index, now)
            results = {enrolment.pk: Done("Waited") for enrolment in todo}
        else:
            later, results = [], _actions_run(workflow, action, todo, steps)
        return later + _advance(workflow, action, todo, steps, results, now)


def _actions_run(workflow: Workflow, action: dict, todo: list[Enrolment], steps: dict) -> dict:
    """{enrolment id: Done or StepFailed}."""
    if not _runnable(workflow):
        failed = StepFailed("The workflow's author is no longer active: save the workflow again.")
        return {enrolment.pk: failed for enrolment in todo}
    results = {}
    records = {
        record.pk: record
        for record in Record.objects.filter(pk__in=[e.record_id for e in todo]).select_related("owner", "object_type")
    }
    going = []
    for enrolment in todo:
        record = records.get(enrolment.record_id)
        if steps[enrolment.pk].attempts > MAX_ATTEMPTS:
            results[enrolment.pk] = StepFailed(f"Gave up after {MAX_ATTEMPTS} attempts.")
        elif record is None:
            results[enrolment.pk] = StepFailed("The record was deleted.")
        elif record.archived_at is not None:
            results[enrolment.pk] = StepFailed("The record was archived.")
        else:
            going.append(enrolment)
    if going:
        with acting_as(surface_name="workflow", actor=workflow.created_by), transaction.atomic():
            done = actions_run(workflow, [records[e.record_id] for e in going], action)
        results.update({enrolment.pk: done[enrolment.record_id] for enrolment in going})
    return results


def _wait(todo: list[Enrolment], steps: dict, action: dict, index: int, now) -> tuple[list[Outcome], list[Enrolment]]:
    """Enrolments entering the wait start it; (runs to come when it ends, enrolments whose wait is over)."""
    entering = [enrolment for enrolment in todo if steps[enrolment.pk].status != StepStatus.WAITING]
    for enrolment in entering:
        step = steps[enrolment.pk]
        enrolment.wake_at = now + dt.timedelta(seconds=wait_seconds(action))
        enrolment.status = Status.WAITING
        step.status, step.outcome = StepStatus.WAITING, f"Waiting until {enrolment.wake_at:%Y-%m-%d %H:%M:%S} UTC"
    _save(entering, [steps[enrolment.pk] for enrolment in entering], now)
    later: dict[int, list] = {}
    over = []
    for enrolment in todo:
        if enrolment.wake_at and now < enrolment.wake_at:
            countdown = max(1, int((enrolment.wake_at - now).total_seconds()) + 1)
            later.setdefault(countdown, []).append(enrolment.pk)
        else:
            enrolment.status, enrolment.wake_at = Status.RUNNING, None
            over.append(enrolment)
    return [Outcome(LATER, index, countdown, tuple(ids)) for countdown, ids in later.items()], over


def _advance(workflow, action, todo: list[Enrolment], steps: dict, results: dict, now) -> list[Outcome]:
    """Records each step's outcome and moves its enrolment on, in bulk."""
    outcomes = []
    for enrolment in todo:
        step, result = steps[enrolment.pk], results[enrolment.pk]
        if isinstance(result, StepFailed):
            outcomes.append(_failed(enrolment, step, action, result, now))
            continue
        step.status, step.outcome, step.error, step.finished_at = StepStatus.DONE, result.outcome[:255], "", now
        enrolment.step = step.index + 1 if result.goto is None else result.goto
        if enrolment.step >= len(workflow.actions):
            _finish(enrolment, Status.DONE, now=now)
        else:
            outcomes.append(Outcome(NEXT, enrolment.step, enrolment_ids=(enrolment.pk,)))
    _save(todo, [steps[enrolment.pk] for enrolment in todo], now)
    return outcomes


def _save(enrolments: list[Enrolment], steps: list[StepExecution], now) -> None:
    """Enrolments and step rows as they now are, one UPDATE each: the ORM's bulk_update spent most of
    a batch's time building its CASE expressions."""
    adapt = connection.ops.adapt_datetimefield_value
    rows_update_from(
        Enrolment._meta.db_table,
        "id",
        ["step", "status", "error", "finished_at", "wake_at", "touched_at"],
        [(e.pk, e.step, e.status, e.error, adapt(e.finished_at), adapt(e.wake_at), adapt(now)) for e in enrolments],
        ["int8", "int8", "text", "text", "timestamptz", "timestamptz", "timestamptz"],
    )
    rows_update_from(
        StepExecution._meta.db_table,
        "id",
        ["status", "outcome", "error", "finished_at"],
        [(s.pk, s.status, s.outcome, s.error, adapt(s.finished_at)) for s in steps],
        ["int8", "text", "text", "text", "timestamptz"],
    )


def _failed(enrolment: Enrolment, step: StepExecution, action: dict, failed: StepFailed, now) -> Outcome:
    step.error = failed.message
    if failed.retry and step.attempts < MAX_ATTEMPTS:
        step.status = StepStatus.RETRYING
        countdown = BACKOFF[min(step.attempts, len(BACKOFF)) - 1]
        return Outcome(RETRY, step.index, countdown, (enrolment.pk,))
    step.status, step.finished_at = StepStatus.FAILED, now
    _finish(enrolment, Status.FAILED, f"{step_name(step.index, action)}: {failed.message}", now)
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
