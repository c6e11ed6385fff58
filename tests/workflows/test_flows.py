"""Workflows saved: every rule checked before anything is stored, messages naming the step and the
property; sensitive values sealed; a loop between workflows refused."""

import json

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from tests.factories import grant, make_property
from tests.workflows.conftest import CANARY
from workflows.automation.services import workflow_create, workflow_delete, workflow_update
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


def _data(**extra):
    return {"name": "Flow", "trigger": "record_created", "trigger_config": {}, "actions": [], **extra}


def _errors(actor, object_type, **extra) -> dict:
    with pytest.raises(ValidationError) as caught:
        workflow_create(actor=actor, object_type=object_type, data=_data(**extra))
    return caught.value.message_dict


def test_a_workflow_is_saved_audited_and_its_sensitive_values_sealed(tenant_a_admin, contacts_a, salary, nickname):
    workflow = workflow_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        data=_data(
            conditions=[{"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]}],
            actions=[
                {"type": "set_property", "property": "nickname", "value": CANARY},
                {
                    "type": "branch",
                    "else_step": 3,
                    "filterGroups": [
                        {"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": 987654}]}
                    ],
                },
                {"type": "set_property", "property": "firstname", "value": "Seen"},
            ],
        ),
    )
    stored = json.dumps([workflow.conditions, workflow.actions])
    assert CANARY not in stored and "987654" not in stored
    assert workflow.actions[0]["sealed"] and workflow.actions[1]["conditions"]["filterGroups"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.WORKFLOW_CREATED)
    assert event.details["workflow_number"] == workflow.number
    assert CANARY not in json.dumps(event.details)


def test_copying_a_sensitive_value_into_a_plain_property_is_refused_naming_the_step_and_properties(
    tenant_a_admin, contacts_a, salary
):
    errors = _errors(
        tenant_a_admin,
        contacts_a,
        actions=[
            {"type": "set_property", "property": "firstname", "value": "x"},
            {"type": "set_property", "property": "lastname", "value": "{{annual_salary}}"},
        ],
    )
    message = errors["actions"][0]
    assert message.startswith("Step 2 (set property)")
    assert "Annual salary (annual_salary) is sensitive" in message and "lastname" in message


def test_a_sensitive_value_goes_into_a_sensitive_property_only_for_an_author_who_may_view_it(
    tenant_a_admin, member_a, contacts_a, salary
):
    secret = make_property(tenant_a_admin, contacts_a, "salary_copy", data_type="number", sensitivity="sensitive")
    data = {"actions": [{"type": "set_property", "property": "salary_copy", "value": "{{annual_salary}}"}]}
    assert workflow_create(actor=tenant_a_admin, object_type=contacts_a, data=_data(**data)).pk
    grant(secret, to=member_a, edit=True)
    errors = _errors(member_a, contacts_a, name="Other", **data)
    assert errors["actions"] == [
        "Step 1 (set property): you may not view Annual salary (annual_salary), so a workflow of yours can't copy it."
    ]


@pytest.mark.parametrize(
    ("action", "destination"),
    [
        ({"type": "notify", "subject": "Pay {{annual_salary}}", "to": "record_owner"}, "a notification email"),
        ({"type": "webhook", "url": "https://example.com/h", "properties": ["annual_salary"]}, "a webhook body"),
        ({"type": "create_task", "title": "Ask about {{annual_salary}}"}, "a task's title"),
    ],
)
def test_a_sensitive_value_never_goes_into_a_notification_a_webhook_or_a_task(
    tenant_a_admin, contacts_a, salary, action, destination
):
    errors = _errors(tenant_a_admin, contacts_a, actions=[action])
    assert (
        f"Annual salary (annual_salary) is sensitive and {destination} is not a sensitive destination"
        in (errors["actions"][0])
    )


def test_highly_sensitive_properties_can_t_be_used_anywhere_in_a_workflow(tenant_a_admin, contacts_a, diagnosis):
    on = [{"filters": [{"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}]}]
    errors = _errors(
        tenant_a_admin,
        contacts_a,
        trigger="property_changed",
        trigger_config={"property": "diagnosis"},
        conditions=on,
        actions=[{"type": "set_property", "property": "diagnosis", "value": "asthma"}],
    )
    for field in ("trigger", "conditions", "actions"):
        assert "Diagnosis (diagnosis) is highly sensitive" in errors[field][0], field
        assert "can't be used in workflows" in errors[field][0]


def test_a_workflow_that_sets_the_property_it_is_triggered_by_is_refused(tenant_a_admin, contacts_a):
    errors = _errors(
        tenant_a_admin,
        contacts_a,
        name="Echo",
        trigger="property_changed",
        trigger_config={"property": "lastname"},
        actions=[{"type": "set_property", "property": "lastname", "value": "again"}],
    )
    assert errors["actions"] == [
        "This workflow would trigger itself without end: 'Echo' sets lastname, which triggers 'Echo'."
    ]


def test_a_loop_through_two_workflows_is_refused_when_the_second_is_saved(tenant_a_admin, contacts_a):
    workflow_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        data=_data(
            name="A",
            trigger="property_changed",
            trigger_config={"property": "firstname"},
            actions=[{"type": "set_property", "property": "lastname", "value": "a"}],
        ),
    )
    errors = _errors(
        tenant_a_admin,
        contacts_a,
        name="B",
        trigger="property_changed",
        trigger_config={"property": "lastname"},
        actions=[{"type": "set_property", "property": "firstname", "value": "b"}],
    )
    assert errors["actions"] == [
        "This workflow would trigger itself without end: 'B' sets firstname, which triggers 'A'; "
        "'A' sets lastname, which triggers 'B'."
    ]
    # turned off, it saves (and turning it on again is checked again)
    off = workflow_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        data=_data(
            name="B",
            enabled=False,
            trigger="property_changed",
            trigger_config={"property": "lastname"},
            actions=[{"type": "set_property", "property": "firstname", "value": "b"}],
        ),
    )
    with pytest.raises(ValidationError):
        workflow_update(
            actor=tenant_a_admin,
            workflow=off,
            data={
                "enabled": True,
                "trigger": off.trigger,
                "trigger_config": off.trigger_config,
                "actions": off.actions,
            },
        )


def test_bad_input_gets_a_message_per_field(tenant_a_admin, contacts_a):
    errors = _errors(
        tenant_a_admin,
        contacts_a,
        name="",
        trigger="schedule",
        trigger_config={"every_minutes": 1},
        enrolment_cap_per_hour=0,
        actions=[
            {"type": "launch_rocket"},
            {"type": "wait"},
            {"type": "branch", "filterGroups": [{"filters": []}], "else_step": 1},
            {"type": "list_add", "list": 99},
            {"type": "webhook", "url": "ftp://example.com"},
            {"type": "set_property", "property": "no_such", "value": 1},
        ],
    )
    assert set(errors) == {"name", "trigger", "enrolment_cap_per_hour", "actions"}
    assert "every_minutes is a whole number from 5" in errors["trigger"][0]
    actions = "\n".join(errors["actions"])
    assert "Step 1: an action is an object whose type is one of" in actions
    assert "Step 2 (wait): give seconds, minutes, hours or days." in actions
    assert "Step 3 (branch): else_step must be a whole number from 4 to 7." in actions
    assert Workflow.objects.count() == 0


def test_unknown_properties_lists_and_owners_are_named(tenant_a_admin, contacts_a):
    errors = _errors(
        tenant_a_admin,
        contacts_a,
        actions=[
            {"type": "list_add", "list": 99},
            {"type": "webhook", "url": "ftp://example.com"},
            {"type": "set_property", "property": "no_such", "value": 1},
            {"type": "create_task", "title": "Call", "owner": "nobody@acme.test"},
        ],
    )
    assert errors["actions"] == [
        "Step 1 (add to list): there is no list 99 of Contacts.",
        "Step 2 (webhook): Give an http or https address, such as https://example.com/hooks.",
        "Step 3 (set property): there is no property 'no_such' of Contacts.",
        "Step 4 (create task): there is no active user 'nobody@acme.test' in this account.",
    ]


def test_a_scheduled_workflow_has_its_own_beat_entry_with_its_id_only(tenant_a_admin, contacts_a):
    from django_celery_beat.models import PeriodicTask

    workflow = workflow_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        data=_data(
            trigger="schedule",
            trigger_config={"cron": "0 9 * * 1"},
            actions=[{"type": "set_property", "property": "firstname", "value": "x"}],
        ),
    )
    entry = PeriodicTask.objects.get(name=f"workflow-{workflow.pk}")
    assert json.loads(entry.kwargs) == {"workflow_id": str(workflow.pk)} and entry.crontab.hour == "9"
    workflow_update(
        actor=tenant_a_admin,
        workflow=workflow,
        data={"trigger": "schedule", "trigger_config": {"every_minutes": 60}, "actions": workflow.actions},
    )
    entry.refresh_from_db()
    assert entry.interval.every == 60 and entry.crontab is None
    workflow_delete(actor=tenant_a_admin, workflow=workflow)
    assert not PeriodicTask.objects.filter(name=f"workflow-{workflow.pk}").exists()
