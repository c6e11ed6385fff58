"""The webhooks page of a private app: target URL, the secret shown once, subscriptions, the log;
super admins only, changes after a fresh confirmation."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.records import api as records
from tests.accounts.test_private_apps_settings import _stale
from tests.webhooks.conftest import events_of, signature_ok
from webhooks.models import Subscription, WebhookSettings

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'id="webhook-secret" value="([^"]+)"')


@pytest.fixture
def payroll(make_app):
    app, _ = make_app(["crm.objects.contacts.read", "crm.objects.contacts.sensitive.read"], name="Payroll sync")
    return app


def _save(client, app, **fields):
    data = {"action": "settings", "target_url": "", "max_concurrent_requests": 10, "batch_size": 100, **fields}
    return client.post(reverse("webhooks_app", args=[app.pk]), data)


def test_the_first_save_shows_the_secret_once_and_it_signs_the_requests(
    admin_client, payroll, receiver, tenant_a_admin, contacts_a, salary, django_capture_on_commit_callbacks
):
    url, handler = receiver

    # when: Ada saves a target URL
    response = _save(admin_client, payroll, target_url=url)

    # then: the secret is on that answer only, and stored sealed
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = SECRET.search(response.content.decode()).group(1)
    assert len(secret) >= 43  # 256 bits, base64url
    found = WebhookSettings.objects.get(app=payroll)
    assert found.target_url == url and secret.encode() not in bytes(found.secret_sealed)
    page = admin_client.get(reverse("webhooks_app", args=[payroll.pk])).content.decode()
    assert secret not in page and f"…{secret[-4:]}" in page
    assert secret not in str(list(AuditEvent.objects.values_list("details", flat=True)))

    # when: she ticks the contacts' creation and the salary's change (a sensitive property)
    choices = {label: value for value, label in re.findall(r'value="([^"]+:[^"]*)"[^>]*> <span>([^<]+)', page)}
    creation = next(v for label, v in choices.items() if label.startswith("contact.creation"))
    salary_change = next(v for label, v in choices.items() if "(annual_salary)" in label)
    assert "sensitive: sent as REDACTED" in page
    response = admin_client.post(
        reverse("webhooks_app", args=[payroll.pk]),
        {"action": "subscriptions", "subscriptions": [creation, salary_change]},
    )
    assert response.status_code == 302
    assert {(s.event_type, s.property_name) for s in Subscription.objects.filter(app=payroll, active=True)} == {
        ("creation", ""),
        ("propertyChange", "annual_salary"),
    }

    # then: a new contact is told, signed with that secret, and the log shows it
    with django_capture_on_commit_callbacks(execute=True):
        records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})
    assert signature_ok(url, handler.seen[0][1], handler.seen[0][2], secret)
    assert events_of(handler)[0]["subscriptionType"] == "contact.creation"
    log = admin_client.get(reverse("webhooks_app", args=[payroll.pk])).content.decode()
    assert "Delivered" in log


def test_a_bad_url_is_a_field_error(admin_client, payroll, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = _save(admin_client, payroll, target_url="http://127.0.0.1:9/hooks")
    assert response.status_code == 200 and "private or local address" in response.content.decode()
    response = _save(admin_client, payroll, target_url="ftp://example.com/")
    assert "Give an http or https address" in response.content.decode()
    assert not WebhookSettings.objects.exists()


def test_rotating_asks_for_a_confirmation_and_shows_the_new_secret_once(
    admin_client, payroll, receiver, tenant_a_admin
):
    url, _ = receiver
    first = SECRET.search(_save(admin_client, payroll, target_url=url).content.decode()).group(1)
    rotate = reverse("webhooks_app_secret", args=[payroll.pk])

    # a stale confirmation: the password or a code again first
    _stale(admin_client)
    response = admin_client.get(rotate)
    assert response.status_code in (200, 302) and "Rotate secret" not in response.content.decode()

    admin_client.force_login(tenant_a_admin)  # confirmed afresh
    assert "Rotate secret" in admin_client.get(rotate).content.decode()
    response = admin_client.post(rotate)
    second = SECRET.search(response.content.decode()).group(1)
    assert second != first and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOKS_SECRET_ROTATED).count() == 1


def test_a_change_with_a_stale_confirmation_is_asked_again(admin_client, payroll, receiver):
    url, _ = receiver
    _stale(admin_client)
    response = _save(admin_client, payroll, target_url=url)
    assert "webhook-secret" not in response.content.decode()
    assert not WebhookSettings.objects.exists()


def test_only_super_admins_see_the_page(client, member_a, payroll):
    client.force_login(member_a)
    assert client.get(reverse("webhooks_app", args=[payroll.pk])).status_code == 403


def test_another_tenants_app_is_not_found(client, tenant_b_user, payroll):
    client.force_login(tenant_b_user)
    assert client.get(reverse("webhooks_app", args=[payroll.pk])).status_code == 404
