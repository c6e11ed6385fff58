"""HubSpot's webhooks API for an app's own webhooks, with its own token: settings, subscriptions,
batch update; bad input is a 400 naming the field, another app's webhooks a 404."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm.records import api as records
from tests.api.conftest import ApiClient
from tests.webhooks.conftest import events_of
from webhooks.models import Subscription, WebhookSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(hooked):
    app, token, _, _, _ = hooked
    number = WebhookSettings.objects.get(app=app).number
    return ApiClient(token), f"/webhooks/v3/{number}"


def test_an_app_reads_and_changes_its_settings(api, receiver):
    client, base = api
    body = client.get(f"{base}/settings").data
    assert body["targetUrl"].endswith("/hooks") and body["throttling"]["maxConcurrentRequests"] == 10

    changed = client.put(
        f"{base}/settings", {"targetUrl": body["targetUrl"] + "/v2", "throttling": {"maxConcurrentRequests": 4}}
    )

    assert changed.status_code == 200, changed.data
    assert changed.data["targetUrl"].endswith("/hooks/v2") and changed.data["throttling"]["maxConcurrentRequests"] == 4
    assert "secret" not in str(changed.data).lower()
    bad = client.put(f"{base}/settings", {"targetUrl": "ftp://example.com/"})
    assert bad.status_code == 400 and bad.data["errors"][0]["in"] == "target_url"


def test_an_app_subscribes_pauses_and_deletes_and_the_events_follow(
    api, hooked, tenant_a_admin, contacts_a, django_capture_on_commit_callbacks
):
    client, base = api
    _, _, _, _, handler = hooked
    listed = client.get(f"{base}/subscriptions").data["results"]
    assert {s["eventType"] for s in listed} == {"contact.creation", "contact.deletion", "contact.propertyChange"}

    # when: it subscribes to last names and pauses the creation events
    made = client.post(f"{base}/subscriptions", {"eventType": "contact.propertyChange", "propertyName": "lastname"})
    assert made.status_code == 201 and made.data["propertyName"] == "lastname" and made.data["active"] is True
    creation = next(s for s in listed if s["eventType"] == "contact.creation")
    paused = client.patch(f"{base}/subscriptions/{creation['id']}", {"active": False})
    assert paused.status_code == 200 and paused.data["active"] is False

    with django_capture_on_commit_callbacks(execute=True):
        rosa = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})
    with django_capture_on_commit_callbacks(execute=True):
        records.record_write(actor=tenant_a_admin, record=rosa, values={"lastname": "Franklin"})

    # then: no creation event, the last name's change with its value
    assert [(e["subscriptionType"], e.get("propertyValue")) for e in events_of(handler)] == [
        ("contact.propertyChange", "Franklin")
    ]
    assert client.delete(f"{base}/subscriptions/{made.data['id']}").status_code == 204
    assert client.get(f"{base}/subscriptions/{made.data['id']}").status_code == 404
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOKS_CHANGED, actor__role="app").count() == 3


def test_batch_update_changes_all_or_nothing(api):
    client, base = api
    ids = [s["id"] for s in client.get(f"{base}/subscriptions").data["results"]]

    done = client.post(f"{base}/subscriptions/batch/update", {"inputs": [{"id": int(i), "active": False} for i in ids]})

    assert done.status_code == 200 and done.data["status"] == "COMPLETE"
    assert {s["active"] for s in done.data["results"]} == {False}
    refused = client.post(
        f"{base}/subscriptions/batch/update",
        {"inputs": [{"id": ids[0], "active": True}, {"id": 999_999, "active": True}]},
    )
    assert refused.status_code == 404 and not Subscription.objects.filter(active=True).exists()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"eventType": "contact.merge"}, "eventType"),
        ({"eventType": "planet.creation"}, "eventType"),
        ({"eventType": 7}, "eventType"),
        ({"eventType": "contact.propertyChange", "propertyName": "nope"}, "propertyName"),
        ({"eventType": "contact.creation", "propertyName": "firstname"}, "propertyName"),
        ({"eventType": "contact.creation", "active": "yes"}, "active"),
        ({"eventType": "company.creation"}, "objectType"),
        ({"eventType": "object.creation", "objectTypeId": "2-1"}, "objectTypeId"),
        ({"eventType": "contact.creation"}, "eventType"),  # it has it already
    ],
)
def test_bad_subscriptions_are_400s_naming_the_field(api, body, where):
    client, base = api
    response = client.post(f"{base}/subscriptions", body)
    assert response.status_code == 400, response.data
    assert response.data["errors"][0]["in"] == where


def test_another_apps_webhooks_and_bad_ids_are_404s(api, make_app):
    client, base = api
    _, other_token = make_app(["crm.objects.contacts.read"], name="Other")
    assert ApiClient(other_token).get(f"{base}/subscriptions").status_code == 404
    for path in ("/webhooks/v3/abc/settings", "/webhooks/v3/²/settings", f"{base}/subscriptions/x"):
        response = client.get(path)
        assert response.status_code == 404 and response.data["category"] == "OBJECT_NOT_FOUND"
    assert ApiClient(None).get(f"{base}/settings").status_code == 401
    assert client.post(f"{base}/subscriptions", [1, 2]).status_code == 400
