"""Records enrolled together go through their steps together: one task and one bulk write per step
for the batch, each enrolment still with its own outcome, history and change log."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from crm.records import services as record_services
from crm.records.api import record_view, records_write_bulk
from sensitive.models import SensitiveValue
from tests.factories import make_property
from workflows.automation import engine, tasks
from workflows.automation.services import workflow_create
from workflows.models import Enrolment

pytestmark = pytest.mark.django_db(transaction=True)


def _flow(actor, object_type, actions):
    return workflow_create(
        actor=actor,
        object_type=object_type,
        data={"name": "Batch", "trigger": "record_created", "trigger_config": {}, "actions": actions},
    )


def _contacts(actor, object_type, firstnames):
    return records_write_bulk(actor=actor, object_type=object_type, rows=[{"firstname": n} for n in firstnames])


def test_a_batch_of_enrolments_is_written_once_and_each_record_keeps_its_history(tenant_a_admin, contacts_a, salary):
    flow = _flow(
        tenant_a_admin,
        contacts_a,
        [
            {"type": "set_property", "property": "lifecyclestage", "value": "lead"},
            {"type": "set_property", "property": "annual_salary", "value": 52_000},
        ],
    )
    rows = [{"firstname": f"N{i}", **({"annual_salary": 1_000 + i} if i % 2 else {})} for i in range(30)]
    records = records_write_bulk(actor=tenant_a_admin, object_type=contacts_a, rows=rows)

    assert Enrolment.objects.filter(workflow=flow, status="done").count() == 30
    assert SensitiveValue.objects.filter(record__in=records).count() == 30  # replaced where there was one
    for record in records[:3]:
        record.refresh_from_db()
        view = record_view(actor=tenant_a_admin, record=record, properties=["lifecyclestage", "annual_salary"])
        assert view.values["lifecyclestage"] == "lead" and view.readings["annual_salary"].value == 52_000
        entries = LogEntry.objects.filter(object_pk=str(record.pk), action=LogEntry.Action.UPDATE)
        (entry,) = [entry for entry in entries if "lifecyclestage" in str(entry.changes)]
        assert entry.actor == tenant_a_admin and entry.additional_data == {"surface": "workflow"}
        assert "52000" not in str([e.changes for e in entries])  # the sensitive value is not in the change log
    (event,) = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.RECORD_UPDATED, property_names__contains=["lifecyclestage"]
    )
    assert len(event.record_ids) == 30 and event.surface == "workflow"


def test_a_step_costs_the_same_queries_for_five_records_as_for_forty(tenant_a_admin, contacts_a, monkeypatch):
    held = []
    monkeypatch.setattr(tasks.workflow_enrol_task, "delay", lambda *args: held.append(args))
    flow = _flow(tenant_a_admin, contacts_a, [{"type": "set_property", "property": "lastname", "value": "Batch"}])
    _contacts(tenant_a_admin, contacts_a, ["Warm-up"])  # the process's first batch fills its caches
    _contacts(tenant_a_admin, contacts_a, [f"S{i}" for i in range(5)])
    _contacts(tenant_a_admin, contacts_a, [f"L{i}" for i in range(40)])

    counts = []
    for workflow_id, record_ids, event in held:
        enrolments = engine.enrol(workflow_id=workflow_id, record_ids=record_ids, event=event)
        with CaptureQueriesContext(connection) as queries:
            engine.steps_run(enrolment_ids=enrolments, index=0)
        counts.append(len(queries))

    assert counts[1] == counts[2]
    assert Enrolment.objects.filter(workflow=flow, status="done").count() == 46


def test_a_value_one_record_refuses_fails_that_record_alone(tenant_a_admin, contacts_a):
    make_property(tenant_a_admin, contacts_a, "age", data_type="number")
    flow = _flow(tenant_a_admin, contacts_a, [{"type": "set_property", "property": "age", "value": "{{firstname}}"}])
    good, bad, other = _contacts(tenant_a_admin, contacts_a, ["41", "Forty-two", "43"])

    assert Enrolment.objects.get(workflow=flow, record=good).status == "done"
    assert Enrolment.objects.get(workflow=flow, record=other).status == "done"
    failed = Enrolment.objects.get(workflow=flow, record=bad)
    assert failed.status == "failed" and failed.error.startswith("Step 1 (set property): age:")
    assert "Forty-two" not in failed.error
    good.refresh_from_db()
    assert record_view(actor=tenant_a_admin, record=good, properties=["age"]).values["age"] == 41


def test_records_the_author_may_no_longer_change_fail_alone(tenant_a_admin, member_a, contacts_a):
    flow = _flow(member_a, contacts_a, [{"type": "set_property", "property": "lastname", "value": "Seen"}])
    record_services.record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope="owned")
    mine = records_write_bulk(actor=member_a, object_type=contacts_a, rows=[{"firstname": "Mine"}])[0]
    theirs = records_write_bulk(
        actor=tenant_a_admin,
        object_type=contacts_a,
        rows=[{"firstname": "Theirs"}, {"firstname": "Also mine"}],
        owners=[tenant_a_admin, member_a],
    )

    assert Enrolment.objects.get(workflow=flow, record=mine).status == "done"
    assert Enrolment.objects.get(workflow=flow, record=theirs[1]).status == "done"
    refused = Enrolment.objects.get(workflow=flow, record=theirs[0])
    assert refused.status == "failed" and "may no longer" in refused.error


def test_an_active_list_takes_in_a_batch_of_changed_records_in_one_check(tenant_a_admin, contacts_a, monkeypatch):
    from crm.records.filters import query_parse
    from workflows import services as list_services
    from workflows import tasks as list_tasks

    checks = []
    real = list_tasks.list_records_check_task.delay
    monkeypatch.setattr(list_tasks.list_records_check_task, "delay", lambda ids: checks.append(len(ids)) or real(ids))
    query = query_parse([{"filters": [{"propertyName": "lastname", "operator": "EQ", "value": "Batch"}]}])
    the_list = list_services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Batched", kind="active", filters=query
    )
    _flow(tenant_a_admin, contacts_a, [{"type": "set_property", "property": "lastname", "value": "Batch"}])
    records = _contacts(tenant_a_admin, contacts_a, [f"B{i}" for i in range(30)])

    the_list.refresh_from_db()
    assert set(the_list.memberships.values_list("record_id", flat=True)) == {r.pk for r in records}
    assert the_list.member_count == 30 and checks == [30, 30]  # created, then changed: one check each
