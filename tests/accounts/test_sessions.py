"""Inactivity timeout and session lifetime, by moving the clock rather than sleeping."""

from django.urls import reverse

from accounts import security
from audit.models import AuditEvent


def test_an_idle_session_is_signed_out_on_its_next_request(client, member_a, clock):
    client.force_login(member_a)
    assert client.get(reverse("home")).status_code == 200

    clock.advance(minutes=29)
    assert client.get(reverse("home")).status_code == 200  # activity renews the session
    clock.advance(minutes=31)
    response = client.get(reverse("record_index", args=["contacts"]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "without activity" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.TIMED_OUT).details == {"reason": "idle"}


def test_the_tenant_timeout_applies(client, member_a, clock, tenant_a_admin):
    security.tenant_security_update(actor=tenant_a_admin, session_idle_minutes=15)
    client.force_login(member_a)
    client.get(reverse("home"))

    clock.advance(minutes=16)

    assert client.get(reverse("home")).status_code == 302


def test_a_busy_session_still_ends_at_its_maximum_age(client, member_a, clock):
    client.force_login(member_a)
    client.get(reverse("home"))
    for _ in range(12 * 3 + 1):
        clock.advance(minutes=20)
        client.get(reverse("home"))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.TIMED_OUT).details == {"reason": "age"}


def test_stay_signed_in_renews_the_session(client, member_a, clock):
    client.force_login(member_a)
    client.get(reverse("home"))
    clock.advance(minutes=29)

    assert client.post(reverse("keepalive")).json() == {"idle_seconds": 1800}
    clock.advance(minutes=29)
    assert client.get(reverse("home")).status_code == 200


def test_the_page_carries_the_warning_for_the_browser(client, member_a):
    client.force_login(member_a)

    page = client.get(reverse("home")).content.decode()

    assert 'data-idle-seconds="1800"' in page and "Stay signed in" in page
