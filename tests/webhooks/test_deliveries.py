"""Record changes reach subscribed apps as HubSpot's webhook events, signed with the app's secret;
a sensitive property's value is "REDACTED" and the app reads it through the API with its scopes."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from accounts import private_apps
from crm.records import api as records
from tests.webhooks.conftest import STANDARD, ApiClient, events_of, signature_ok, subscribe
from webhooks import services
from webhooks.models import Delivery, WebhookSettings
from webhooks.services import Wanted, subscriptions_set

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_change_is_a_signed_hubspot_event_with_plain_values_and_redacted_sensitive_ones(
    hooked, tenant_a_admin, contacts_a
):
    app, token, secret, url, handler = hooked

    # when: a contact is made, then its first name and salary change
    rosa = records.record_write(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa", "annual_salary": 91_250}
    )
    records.record_write(actor=tenant_a_admin, record=rosa, values={"firstname": "Rosalind", "annual_salary": 93_777})

    # then: two signed requests, as HubSpot's receivers check them
    assert len(handler.seen) == 2
    for path, headers, body in handler.seen:
        assert path == "/hooks" and headers["Content-Type"] == "application/json"
        assert headers["X-HubSpot-Signature-Version"] == "v3"
        assert signature_ok(url, headers, body, secret)
        assert not signature_ok(url, headers, body, secret + "x")
        assert b"91250" not in body and b"93777" not in body and b"91,250" not in body
    settings_row = WebhookSettings.objects.get(app=app)
    created, *changes = events_of(handler)
    assert created["subscriptionType"] == "contact.creation" and created["changeFlag"] == "NEW"
    assert created["objectId"] == rosa.number and created["attemptNumber"] == 0
    assert created["appId"] == settings_row.number and created["portalId"] == str(tenant_a_admin.tenant_id)
    assert created["changeSource"] == "CRM_UI" and isinstance(created["occurredAt"], int)
    assert isinstance(created["eventId"], int) and isinstance(created["subscriptionId"], int)
    by_name = {event["propertyName"]: event for event in changes}
    assert by_name["firstname"]["propertyValue"] == "Rosalind"
    assert by_name["annual_salary"]["propertyValue"] == "REDACTED"
    assert {e["subscriptionType"] for e in changes} == {"contact.propertyChange"}
    assert len({e["eventId"] for e in [created, *changes]}) == 3

    # and: the stored deliveries hold no sensitive value either
    assert "93777" not in json.dumps(list(Delivery.objects.values_list("payload", flat=True)))
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}

    # when: the receiver reads the value through the API with the app's token and scopes
    body = ApiClient(token).get(f"/crm/v3/objects/contacts/{rosa.number}", {"properties": "annual_salary"}).data

    # then: it gets it
    assert body["properties"]["annual_salary"] == "93777"


def test_archiving_and_deleting_are_deletion_events_with_the_object_id_only(hooked, tenant_a_admin, contacts_a):
    _, _, _, _, handler = hooked
    alan = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Alan"})
    ada = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Ada"})
    handler.seen.clear()

    records.record_archive(actor=tenant_a_admin, record=alan)
    records.record_delete(actor=tenant_a_admin, record=ada)

    events = events_of(handler)
    assert [(e["subscriptionType"], e["objectId"], e["changeFlag"]) for e in events] == [
        ("contact.deletion", alan.number, "DELETED"),
        ("contact.deletion", ada.number, "DELETED"),
    ]
    assert all("propertyValue" not in e for e in events)


def test_an_app_of_another_tenant_never_hears_of_this_ones_records(
    hooked, receiver, tenant_a_admin, contacts_a, tenant_b_user, contacts_b
):
    _, _, _, url, handler = hooked
    other, _ = private_apps.private_app_create(
        actor=tenant_b_user, tenant=tenant_b_user.tenant, name="Globex sync", scopes=["crm.objects.contacts.read"]
    )
    services.webhook_settings_save(actor=tenant_b_user, app=other, target_url=url + "/globex")
    subscribe(other, contacts_b, ("creation", ""), ("propertyChange", "firstname"), actor=tenant_b_user)

    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Acme only"})

    assert [path for path, _, _ in handler.seen] == ["/hooks"]
    assert not Delivery.objects.filter(app=other).exists()
    records.record_write(actor=tenant_b_user, object_type=contacts_b, values={"firstname": "Globex only"})
    assert [path for path, _, _ in handler.seen] == ["/hooks", "/hooks/globex"]


def test_an_app_without_the_read_scope_of_a_type_gets_none_of_its_events(
    hooked, make_app, tenant_a_admin, contacts_a, companies_a
):
    app, _, _, _, handler = hooked
    # a subscription needs the scope
    with pytest.raises(ValidationError, match="no scope to read companies"):
        subscriptions_set(actor=tenant_a_admin, app=app, wanted=[Wanted(companies_a, "creation")])

    # and a scope taken away later stops the events
    private_apps.private_app_update(actor=tenant_a_admin, app=app, scopes=["crm.objects.deals.read"])
    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Unseen"})
    assert handler.seen == [] and not Delivery.objects.exists()


def test_a_plain_reader_still_gets_redacted_for_a_sensitive_property(
    make_app, receiver, tenant_a_admin, contacts_a, salary
):
    url, handler = receiver
    app, _ = make_app(["crm.objects.contacts.read"], name="Plain reader")
    services.webhook_settings_save(actor=tenant_a_admin, app=app, target_url=url)
    subscribe(app, contacts_a, *STANDARD[2:], actor=tenant_a_admin)
    rosa = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "R"})

    records.record_write(actor=tenant_a_admin, record=rosa, values={"annual_salary": 50_001, "firstname": "Ro"})

    values = {e["propertyName"]: e["propertyValue"] for e in events_of(handler)}
    assert values == {"annual_salary": "REDACTED", "firstname": "Ro"}


def test_a_property_not_subscribed_to_sends_nothing(hooked, tenant_a_admin, contacts_a):
    _, _, _, _, handler = hooked
    rosa = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})
    handler.seen.clear()
    records.record_write(actor=tenant_a_admin, record=rosa, values={"lastname": "Franklin"})
    assert handler.seen == []
