"""What the sign-in events keep: never what was typed as an email, the real client IP, the surface."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from accounts import security
from audit.models import AuditEvent
from tests.conftest import PASSWORD

TYPED = "Hunter2-Is-My-Password!"
PROXY_SEES = "203.0.113.9"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _every_audit_value() -> str:
    return " ".join(str(model_to_dict(event)) for event in AuditEvent.objects.all()).lower()


def test_a_failed_sign_in_with_an_unknown_email_leaves_no_trace_of_what_was_typed(
    password_only_client, member_a, settings
):
    # when: a password typed into the email field, again and again until the lockout
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        password_only_client.post(reverse("login"), {"username": TYPED, "password": "x"})

    # then: the failures and the lockout are recorded, what was typed is not
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {AuditEvent.Kind.SIGN_IN_FAILED, AuditEvent.Kind.LOCKED_OUT} <= kinds
    assert TYPED.lower() not in _every_audit_value()
    assert "hunter2" not in _every_audit_value()


def test_the_lockout_records_keep_no_trace_of_an_unknown_email_either(password_only_client, member_a):
    # when
    for _ in range(2):
        password_only_client.post(reverse("login"), {"username": TYPED, "password": "x"})

    # then: django-axes counted the tries, under a keyed hash of what was typed
    attempts = list(AccessAttempt.objects.values())
    assert attempts and attempts[0]["failures_since_start"] == 2
    assert "hunter2" not in str(attempts).lower()


def test_a_failed_sign_in_of_a_known_user_names_them_in_their_tenant(password_only_client, member_a):
    # when
    password_only_client.post(reverse("login"), {"username": "Max@Acme.test", "password": "wrong"})

    # then
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN_FAILED)
    assert event.tenant_id == member_a.tenant_id and event.details == {"email": "max@acme.test"}


def test_a_forged_forwarded_for_does_not_land_in_the_audit(password_only_client, member_a, behind_proxy):
    # when: the client sends its own X-Forwarded-For; the proxy appends the address it sees
    password_only_client.post(
        reverse("login"),
        {"username": "max@acme.test", "password": "wrong"},
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {PROXY_SEES}",
        REMOTE_ADDR="10.0.0.2",
    )

    # then
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN_FAILED).ip_address == PROXY_SEES


def test_two_trusted_proxies_take_the_second_entry_from_the_right(password_only_client, member_a, settings):
    # given
    settings.TRUSTED_PROXY_COUNT = 2

    # when
    password_only_client.post(
        reverse("login"),
        {"username": "max@acme.test", "password": "wrong"},
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {PROXY_SEES}, 10.0.0.1",
        REMOTE_ADDR="10.0.0.2",
    )

    # then
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN_FAILED).ip_address == PROXY_SEES


def test_forwarded_for_is_ignored_without_a_proxy(password_only_client, member_a):
    # when
    password_only_client.post(
        reverse("login"),
        {"username": "max@acme.test", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        REMOTE_ADDR="198.51.100.7",
    )

    # then
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN_FAILED).ip_address == "198.51.100.7"


def test_a_timed_out_event_carries_the_ip_and_surface(client, member_a, monkeypatch):
    # given: a session idle past the limit
    start = timezone.now()
    monkeypatch.setattr(security, "now", lambda: start)
    client.force_login(member_a)
    client.get(reverse("home"), REMOTE_ADDR="198.51.100.7")
    monkeypatch.setattr(security, "now", lambda: start + dt.timedelta(minutes=31))

    # when
    client.get(reverse("home"), REMOTE_ADDR="198.51.100.7")

    # then
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TIMED_OUT)
    assert event.ip_address == "198.51.100.7" and event.surface == "ui"


def test_a_sign_in_event_still_carries_the_ip_and_surface(password_only_client, member_a):
    # when
    password_only_client.post(
        reverse("login"), {"username": "max@acme.test", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )

    # then
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN)
    assert event.ip_address == "198.51.100.7" and event.surface == "ui"
