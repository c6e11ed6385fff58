"""A user changes their own password: behind sudo mode, with Django's rules, ending their other sessions."""

from __future__ import annotations

from django.urls import reverse

from accounts import security
from accounts.sudo import CONFIRMED_AT
from audit.models import AuditEvent
from tests.conftest import PASSWORD, VerifiedClient

NEW_PASSWORD = "a-long-passphrase-of-my-own"


def _change(client, password: str = NEW_PASSWORD):
    return client.post(reverse("password_change"), {"new_password1": password, "new_password2": password})


def test_preferences_link_to_the_password_change(client, member_a):
    client.force_login(member_a)

    assert reverse("password_change") in client.get(reverse("preferences")).content.decode()


def test_changing_the_password_asks_to_confirm_it_is_you_first(client, member_a):
    # given: the last confirmation is an hour old
    client.force_login(member_a)
    session = client.session
    session[CONFIRMED_AT] = security.now().timestamp() - 3600
    session.save()

    # when
    page = client.get(reverse("password_change"))
    response = _change(client)

    # then
    for answer in (page, response):
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("sudo_confirm"))
    member_a.refresh_from_db()
    assert member_a.check_password(PASSWORD)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(client, member_a):
    # given: the member is signed in on a laptop (this client) and a phone
    phone = VerifiedClient()
    phone.force_login(member_a)
    client.force_login(member_a)

    # when
    response = _change(client)

    # then: the password changed, the phone is signed out, the laptop stays, and it is a security event
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    signed_out = phone.get(reverse("home"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED, actor=member_a).count() == 1


def test_a_weak_new_password_is_refused_with_the_rule(client, member_a):
    client.force_login(member_a)

    response = _change(client, "max")

    assert response.status_code == 200 and "too short" in response.content.decode()
    member_a.refresh_from_db()
    assert member_a.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED).exists()


def test_the_password_page_needs_a_signed_in_user(db, password_only_client):
    response = password_only_client.get(reverse("password_change"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
