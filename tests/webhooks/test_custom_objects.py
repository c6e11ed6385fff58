"""Custom objects' events are HubSpot's object.* events, with the type's objectTypeId."""

from __future__ import annotations

import pytest

from crm.records import api as records
from crm.services import object_type_create
from tests.webhooks.conftest import events_of, subscribe
from webhooks import services

pytestmark = pytest.mark.django_db


def test_a_custom_objects_creation_and_change_are_object_events(
    make_app, receiver, tenant_a_admin, django_capture_on_commit_callbacks
):
    url, handler = receiver
    projects = object_type_create(
        actor=tenant_a_admin, name="projects", label_singular="Project", label_plural="Projects"
    )
    app, _ = make_app(["crm.objects.custom.read"], name="Projects sync")
    services.webhook_settings_save(actor=tenant_a_admin, app=app, target_url=url)
    subscribe(app, projects, ("creation", ""), ("propertyChange", "name"), actor=tenant_a_admin)

    with django_capture_on_commit_callbacks(execute=True):
        apollo = records.record_write(actor=tenant_a_admin, object_type=projects, values={"name": "Apollo"})
    with django_capture_on_commit_callbacks(execute=True):
        records.record_write(actor=tenant_a_admin, record=apollo, values={"name": "Artemis"})

    assert [
        (e["subscriptionType"], e["objectTypeId"], e["objectId"], e.get("propertyValue")) for e in events_of(handler)
    ] == [
        ("object.creation", projects.type_id, apollo.number, None),
        ("object.propertyChange", projects.type_id, apollo.number, "Artemis"),
    ]
