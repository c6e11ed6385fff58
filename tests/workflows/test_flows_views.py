"""The staff UI of workflows: the builder with a message per field and step, the workflow's page
with its history, and the record page's workflow history."""

import json

import pytest
from django.urls import reverse

from tests.factories import make_record
from tests.workflows.conftest import CANARY
from workflows.models import Workflow

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client, url=None, **fields):
    data = {
        "name": "Greet",
        "object_type": "contacts",
        "trigger": "record_created",
        "enabled": "on",
        "enrolment_cap_per_hour": "10",
        "actions": "[]",
        **fields,
    }
    return client.post(url or reverse("workflow_create"), data)


def test_the_builder_saves_a_workflow_and_its_page_and_the_record_page_show_the_history(
    admin_client, tenant_a_admin, contacts_a
):
    actions = [
        {"type": "set_property", "property": "lifecyclestage", "value": "lead"},
        {"type": "create_task", "title": "Call {{firstname}}"},
    ]
    response = _post(admin_client, actions=json.dumps(actions))
    workflow = Workflow.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workflow_detail", args=[workflow.number])

    record = make_record(tenant_a_admin, contacts_a, firstname="Alan")
    page = admin_client.get(response["Location"]).content.decode()
    assert "Step 1 (set property): set lifecyclestage to &#x27;lead&#x27;" in page
    assert "Alan" in page and "Done: Set lifecyclestage" in page and "Created a task for ada@acme.test" in page
    record_page = admin_client.get(reverse("record_detail", args=["contacts", record.pk])).content.decode()
    assert "<h2>Workflows</h2>" in record_page and "Greet" in record_page and "Done: Set lifecyclestage" in record_page
    index = admin_client.get(reverse("workflow_index")).content.decode()
    assert "Greet" in index and "A record is created" in index
    assert 'href="/workflows/"' in index  # the nav link


def test_the_builder_names_each_refusal_by_field_and_step_and_says_highly_sensitive_can_t_be_used(
    admin_client, salary, diagnosis
):
    actions = [
        {"type": "set_property", "property": "lastname", "value": "{{annual_salary}}"},
        {"type": "set_property", "property": "diagnosis", "value": "asthma"},
    ]
    response = _post(admin_client, name="", actions=json.dumps(actions), conditions="[{oops")
    assert response.status_code == 400
    page = response.content.decode()
    assert "conditions: This is not valid JSON" in page
    response = _post(admin_client, actions=json.dumps(actions))
    page = response.content.decode()
    assert response.status_code == 400 and not Workflow.objects.exists()
    assert "actions: Step 1 (set property): Annual salary (annual_salary) is sensitive" in page
    assert "actions: Step 2 (set property): Diagnosis (diagnosis) is highly sensitive" in page
    assert "Highly sensitive properties can't be used in workflows (in triggers" in page  # the builder's help


def test_editing_shows_sealed_values_as_redacted_and_keeps_them(admin_client, tenant_a_admin, contacts_a, nickname):
    actions = [{"type": "set_property", "property": "nickname", "value": CANARY}]
    _post(admin_client, actions=json.dumps(actions))
    workflow = Workflow.objects.get()
    form = admin_client.get(reverse("workflow_edit", args=[workflow.number])).content.decode()
    assert CANARY not in form and "REDACTED" in form
    sealed = workflow.actions[0]["sealed"]
    shown = [{"type": "set_property", "property": "nickname", "value": "REDACTED"}]
    response = _post(
        admin_client, reverse("workflow_edit", args=[workflow.number]), name="Renamed", actions=json.dumps(shown)
    )
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.name == "Renamed" and workflow.actions[0]["sealed"] == sealed
    record = make_record(tenant_a_admin, contacts_a, firstname="N")
    from crm.records.api import record_view

    record.refresh_from_db()
    assert (
        record_view(actor=tenant_a_admin, record=record, properties=["nickname"]).readings["nickname"].value == CANARY
    )


def test_another_tenant_s_workflow_is_not_found(client, admin_client, tenant_b_user):
    _post(admin_client)
    workflow = Workflow.objects.get()
    client.force_login(tenant_b_user)
    assert client.get(reverse("workflow_detail", args=[workflow.number])).status_code == 404
    assert client.post(reverse("workflow_delete", args=[workflow.number])).status_code == 404
    assert "Greet" not in client.get(reverse("workflow_index")).content.decode()


def test_the_workflow_page_names_only_the_records_the_viewer_sees(
    admin_client, client, tenant_a_admin, member_a, contacts_a
):
    from crm.records.services import record_scope_set

    _post(admin_client, actions=json.dumps([{"type": "create_task", "title": "Hello"}]))
    workflow = Workflow.objects.get()
    make_record(tenant_a_admin, contacts_a, firstname="Hidden", lastname="Person")
    record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope="owned")
    client.force_login(member_a)
    page = client.get(reverse("workflow_detail", args=[workflow.number])).content.decode()
    assert "Hidden" not in page and "Record " in page and "signing secret" not in page
