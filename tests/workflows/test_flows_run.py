"""Workflows run (in-process here; tests/workflows/test_flows_worker.py on a real worker): each
trigger and each action, idempotent steps, the re-enrolment cap, a deleted record."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from crm.records import selectors as record_selectors
from crm.records.api import record_view, record_write
from tests.factories import make_property, make_record
from tests.workflows.conftest import CANARY
from workflows import services as list_services
from workflows.automation import engine, sweeps, tasks, triggers
from workflows.automation.services import workflow_create
from workflows.models import Enrolment, StepExecution, WorkflowTask

pytestmark = pytest.mark.django_db(transaction=True)


def _flow(actor, object_type, actions, trigger="record_created", config=None, **extra):
    data = {"name": extra.pop("name", "Flow"), "trigger": trigger, "trigger_config": config or {}, "actions": actions}
    return workflow_create(actor=actor, object_type=object_type, data={**data, **extra})


def _value(actor, record, name):
    record.refresh_from_db()
    view = record_view(actor=actor, record=record, properties=[name])
    return view.readings[name].value if name in view.readings else view.values.get(name)


def test_a_created_record_is_enrolled_and_its_steps_run_in_order(tenant_a_admin, member_a, contacts_a):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [
            {"type": "set_property", "property": "lifecyclestage", "value": "lead"},
            {"type": "create_task", "title": "Call {{firstname}}", "owner": "max@acme.test", "due_in_days": 2},
            {"type": "notify", "to": "record_owner", "subject": "New contact {{firstname}}", "body": "Say hello."},
        ],
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="Alan")

    enrolment = Enrolment.objects.get(workflow=flow)
    assert enrolment.status == Enrolment.Status.DONE and enrolment.record_id == record.pk
    assert [s.status for s in enrolment.steps.all()] == ["done"] * 3
    assert _value(tenant_a_admin, record, "lifecyclestage") == "lead"
    task = WorkflowTask.objects.get(record=record)
    assert task.title == "Call Alan" and task.owner == member_a
    assert task.due_on == timezone.localdate() + dt.timedelta(days=2)
    assert mail.outbox[-1].subject == "New contact Alan" and mail.outbox[-1].to == ["ada@acme.test"]


def test_a_property_change_triggers_and_the_conditions_choose_the_records(tenant_a_admin, contacts_a, salary, nickname):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [{"type": "set_property", "property": "lastname", "value": "Flagged"}],
        trigger="property_changed",
        config={"property": "firstname"},
        conditions=[{"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]}],
    )
    chosen = make_record(tenant_a_admin, contacts_a, firstname="A", nickname=CANARY)
    other = make_record(tenant_a_admin, contacts_a, firstname="B", nickname="other")
    assert not Enrolment.objects.exists()  # created, not changed
    for record in (chosen, other):
        record_write(actor=tenant_a_admin, record=record, values={"firstname": "Changed"})
    assert list(Enrolment.objects.values_list("record_id", flat=True)) == [chosen.pk]
    assert _value(tenant_a_admin, chosen, "lastname") == "Flagged"
    assert flow.enrolments.get().status == "done"


def test_static_list_trigger_and_actions(tenant_a_admin, contacts_a):
    from workflows.models import List

    inbox = list_services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Inbox")
    done = list_services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Done")
    _flow(
        tenant_a_admin,
        contacts_a,
        [{"type": "list_add", "list": done.number}, {"type": "list_remove", "list": inbox.number}],
        trigger="list_added",
        config={"list": inbox.number},
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="L")
    list_services.list_members_add(actor=tenant_a_admin, the_list=inbox, records=[record])
    assert list(done.memberships.values_list("record_id", "source")) == [(record.pk, "workflow")]
    assert not inbox.memberships.exists()
    assert List.objects.get(pk=done.pk).member_count == 1


def test_a_form_submission_enrols_its_record(tenant_a_admin, contacts_a):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [{"type": "set_property", "property": "lifecyclestage", "value": "lead"}],
        trigger="form_submitted",
        config={"form": "signup"},
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="F")
    assert triggers.form_submitted(tenant_id=tenant_a_admin.tenant_id, form_id="signup", record_id=record.pk) == 1
    assert triggers.form_submitted(tenant_id=tenant_a_admin.tenant_id, form_id="other", record_id=record.pk) == 0
    assert flow.enrolments.get().status == "done"


def test_a_sensitive_date_reached_enrols_the_records_of_the_day(tenant_a_admin, contacts_a):
    make_property(tenant_a_admin, contacts_a, "renewal", data_type="date", sensitivity="sensitive")
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [{"type": "set_property", "property": "lastname", "value": "Due"}],
        trigger="date_reached",
        config={"property": "renewal", "offset_days": 3},
    )
    today = timezone.localdate()
    due = make_record(tenant_a_admin, contacts_a, firstname="Due", renewal=(today - dt.timedelta(days=3)).isoformat())
    make_record(tenant_a_admin, contacts_a, firstname="Later", renewal=today.isoformat())
    assert tasks.workflows_dates_task() == 1
    assert tasks.workflows_dates_task() == 1  # the second sweep of the day enrols nobody again
    assert list(flow.enrolments.values_list("record_id", flat=True)) == [due.pk]
    assert _value(tenant_a_admin, due, "lastname") == "Due"


def test_a_scheduled_run_enrols_every_record_meeting_the_conditions(tenant_a_admin, contacts_a, salary):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [{"type": "set_property", "property": "lastname", "value": "Rich"}],
        trigger="schedule",
        config={"every_minutes": 60},
        conditions=[{"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": 50000}]}],
    )
    rich = make_record(tenant_a_admin, contacts_a, firstname="R", annual_salary=90_000)
    make_record(tenant_a_admin, contacts_a, firstname="P", annual_salary=10_000)
    assert tasks.workflow_schedule_task(str(flow.pk)) == 2  # candidates; the conditions choose
    assert list(flow.enrolments.values_list("record_id", flat=True)) == [rich.pk]


def test_a_sensitive_value_is_copied_into_a_sensitive_property_and_set_from_a_sealed_literal(
    tenant_a_admin, contacts_a, salary, nickname
):
    make_property(tenant_a_admin, contacts_a, "salary_copy", data_type="number", sensitivity="sensitive")
    _flow(
        tenant_a_admin,
        contacts_a,
        [
            {"type": "set_property", "property": "salary_copy", "value": "{{annual_salary}}"},
            {"type": "set_property", "property": "nickname", "value": CANARY},
        ],
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="S", annual_salary=70_000)
    assert _value(tenant_a_admin, record, "salary_copy") == "70,000" or _value(
        tenant_a_admin, record, "salary_copy"
    ) in (70000, "70000")
    assert _value(tenant_a_admin, record, "nickname") == CANARY
    outcomes = " ".join(StepExecution.objects.values_list("outcome", flat=True))
    assert CANARY not in outcomes and "70" not in outcomes


def test_a_branch_skips_to_its_else_step(tenant_a_admin, contacts_a, salary):
    _flow(
        tenant_a_admin,
        contacts_a,
        [
            {
                "type": "branch",
                "else_step": 3,
                "filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "GTE", "value": 50000}]}],
            },
            {"type": "set_property", "property": "lastname", "value": "High"},
            {"type": "set_property", "property": "lifecyclestage", "value": "lead"},
        ],
    )
    high = make_record(tenant_a_admin, contacts_a, firstname="H", annual_salary=60_000)
    low = make_record(tenant_a_admin, contacts_a, firstname="L", annual_salary=10_000)
    assert _value(tenant_a_admin, high, "lastname") == "High"
    assert _value(tenant_a_admin, low, "lastname") is None
    assert _value(tenant_a_admin, low, "lifecyclestage") == "lead"
    skipped = Enrolment.objects.get(record=low).steps.get(index=0)
    assert skipped.outcome == "Condition not met: on to step 3"


def test_a_step_task_delivered_twice_does_its_action_once(tenant_a_admin, contacts_a, monkeypatch):
    # given: an enrolment whose steps are not run yet (the step task is held back)
    sent = []
    monkeypatch.setattr(tasks.workflow_enrol_task, "delay", lambda *args: sent.append(args))
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [
            {"type": "create_task", "title": "Once"},
            {"type": "notify", "to": "record_owner", "subject": "Once"},
        ],
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="Twice")
    ((workflow_id, record_ids, event),) = sent
    enrolments = engine.enrol(workflow_id=workflow_id, record_ids=record_ids, event=event)
    assert engine.enrol(workflow_id=workflow_id, record_ids=record_ids, event=event) == enrolments  # twice: once
    (enrolment_id,) = enrolments

    # when: each step's message is delivered twice
    for index in (0, 0, 1, 1):
        engine.step_run(enrolment_id=enrolment_id, index=index)
    engine.step_run(enrolment_id=enrolment_id, index=0)

    # then: one task, one email, one enrolment done
    assert WorkflowTask.objects.filter(record=record).count() == 1
    assert len([m for m in mail.outbox if m.subject == "Once"]) == 1
    assert flow.enrolments.get().status == "done"
    assert StepExecution.objects.filter(enrolment_id=enrolment_id).count() == 2


def test_re_enrolment_is_capped_and_the_refusal_recorded(tenant_a_admin, contacts_a):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [{"type": "create_task", "title": "Again"}],
        trigger="property_changed",
        config={"property": "firstname"},
        enrolment_cap_per_hour=3,
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="0")
    for i in range(1, 7):
        record_write(actor=tenant_a_admin, record=record, values={"firstname": str(i)})
    statuses = sorted(flow.enrolments.values_list("status", flat=True))
    assert statuses == ["capped", "done", "done", "done"]
    assert WorkflowTask.objects.filter(record=record).count() == 3
    assert flow.enrolments.get(status="capped").error == "Re-enrolment cap reached: 3 enrolments in an hour."


def test_an_action_on_a_deleted_record_is_a_recorded_failure(tenant_a_admin, contacts_a, monkeypatch):
    held = []
    monkeypatch.setattr(tasks.workflow_steps_task, "delay", lambda *args: held.append(args))
    flow = _flow(tenant_a_admin, contacts_a, [{"type": "set_property", "property": "lastname", "value": "x"}])
    record = make_record(tenant_a_admin, contacts_a, firstname="Gone")
    from crm.records.api import record_delete

    record_delete(actor=tenant_a_admin, record=record)
    (([enrolment_id], index),) = held
    assert engine.step_run(enrolment_id=enrolment_id, index=index).kind == engine.END
    enrolment = flow.enrolments.get()
    assert enrolment.status == "failed" and enrolment.error == "Step 1 (set property): The record was deleted."
    assert enrolment.steps.get().status == "failed"


def test_a_wait_holds_the_enrolment_until_the_sweep_wakes_it(tenant_a_admin, contacts_a):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [
            {"type": "wait", "seconds": 1},
            {"type": "set_property", "property": "lastname", "value": "Later"},
        ],
    )
    record = make_record(tenant_a_admin, contacts_a, firstname="W")
    enrolment = flow.enrolments.get()
    assert enrolment.status == "waiting" and enrolment.wake_at is not None
    assert tasks.workflows_wake_task() == 0
    Enrolment.objects.filter(pk=enrolment.pk).update(wake_at=timezone.now() - dt.timedelta(seconds=1))
    assert tasks.workflows_wake_task() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == "done" and _value(tenant_a_admin, record, "lastname") == "Later"
    assert record_selectors is not None and sweeps is not None


def test_a_source_made_sensitive_after_the_save_is_not_copied_into_a_plain_property(tenant_a_admin, contacts_a):
    from sensitive.sensitivity import property_sensitivity_change

    plain = make_property(tenant_a_admin, contacts_a, "pet_name")
    flow = _flow(
        tenant_a_admin, contacts_a, [{"type": "set_property", "property": "lastname", "value": "{{pet_name}}"}]
    )
    property_sensitivity_change(actor=tenant_a_admin, definition=plain, sensitivity="sensitive")
    record = make_record(tenant_a_admin, contacts_a, firstname="Rex", pet_name=CANARY)
    enrolment = flow.enrolments.get()
    assert enrolment.status == "failed"
    assert (
        enrolment.error
        == "Step 1 (set property): pet_name is sensitive and lastname is not, so its value is not copied there."
    )
    assert _value(tenant_a_admin, record, "lastname") is None
