"""The lockout: per IP for the password step; per user once signed in, so a shared IP locks no one else out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from tests.conftest import PASSWORD, VerifiedClient, totp_device

OFFICE = "192.0.2.10"


@pytest.fixture
def colleagues(tenant_a_admin):
    return [
        account_services.user_create(actor=tenant_a_admin, email=f"colleague{n}@acme.test", password=PASSWORD)
        for n in range(3)
    ]


def test_a_forged_forwarded_for_does_not_escape_the_lockout(password_only_client, member_a, settings):
    # given: behind one proxy, which appends the address it sees
    settings.TRUSTED_PROXY_COUNT = 1

    # when: an attacker tries a different (unknown) email each time, with a new forged first entry each time
    responses = [
        password_only_client.post(
            reverse("login"),
            {"username": f"guess{n}@acme.test", "password": "nope"},
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.9",
            REMOTE_ADDR="10.0.0.2",
        )
        for n in range(settings.AXES_FAILURE_LIMIT + 1)
    ]

    # then: the IP is locked out all the same, and so is a real user's sign-in from it
    assert responses[-1].status_code == 429
    last = password_only_client.post(
        reverse("login"),
        {"username": "max@acme.test", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="6.6.6.250, 203.0.113.9",
        REMOTE_ADDR="10.0.0.2",
    )
    assert last.status_code == 429


def test_sudo_failures_of_colleagues_behind_one_ip_do_not_lock_out_others(colleagues, member_a, settings):
    # given: three signed-in colleagues in one office, each mistyping their password on "confirm it's you"
    for colleague in colleagues:
        browser = VerifiedClient(REMOTE_ADDR=OFFICE)
        browser.force_login(colleague)
        for _ in range(settings.AXES_FAILURE_LIMIT - 2):
            assert browser.post(reverse("sudo_confirm"), {"password": "typo", "next": "/"}).status_code == 200

    # when: Max signs in from the same office
    response = Client(REMOTE_ADDR=OFFICE).post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})

    # then
    assert response.status_code == 302


def test_wrong_codes_of_colleagues_behind_one_ip_do_not_lock_out_others(colleagues, member_a, settings):
    # given: three colleagues past the password step, then each mistyping their code a few times
    browsers = []
    for colleague in colleagues:
        totp_device(colleague)
        browsers.append(Client(REMOTE_ADDR=OFFICE))
        browsers[-1].post(reverse("login"), {"username": colleague.email, "password": PASSWORD})
    for browser in browsers:
        for _ in range(settings.AXES_FAILURE_LIMIT - 2):
            assert browser.post(reverse("mfa_verify"), {"code": "000000"}).status_code == 200

    # when
    response = Client(REMOTE_ADDR=OFFICE).post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})

    # then
    assert response.status_code == 302


def test_a_user_who_fails_to_confirm_too_often_is_signed_out_and_locked_out(client, member_a, settings):
    # given
    client.force_login(member_a)

    # when
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("sudo_confirm"), {"password": "typo", "next": "/"}).status_code == 200
    locked = client.post(reverse("sudo_confirm"), {"password": "typo", "next": "/"})

    # then: signed out, and the password no longer signs them in for a while
    assert locked.status_code == 429
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    again = Client().post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})
    assert again.status_code == 429


def test_failures_across_two_sessions_of_one_user_add_up(member_a, settings):
    # given: two stolen sessions of Max
    first, second = VerifiedClient(), VerifiedClient()
    first.force_login(member_a)
    second.force_login(member_a)

    # when
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        first.post(reverse("sudo_confirm"), {"password": "guess", "next": "/"})
    locked = second.post(reverse("sudo_confirm"), {"password": "guess", "next": "/"})

    # then
    assert locked.status_code == 429
