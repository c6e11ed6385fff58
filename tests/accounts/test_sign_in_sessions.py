"""Session fixation: the session key changes whenever the session gains trust."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, totp_code, totp_device


def _session_cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _still_works(session_key: str) -> bool:
    """Someone who kept (or planted) the old session cookie: does it still get them in?"""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return other.get(reverse("home")).status_code == 200


def test_passing_the_second_factor_gives_a_new_session_key(signed_in, member_a):
    # given
    device = totp_device(member_a)
    before = _session_cookie(signed_in)

    # when
    response = signed_in.post(reverse("mfa_verify"), {"code": totp_code(device)})

    # then
    assert response.status_code == 302
    assert _session_cookie(signed_in) != before
    assert signed_in.get(reverse("home")).status_code == 200
    assert not _still_works(before)


def test_finishing_the_first_enrolment_gives_a_new_session_key(signed_in, member_a):
    # given
    signed_in.get(reverse("mfa_enrol"))
    device = TOTPDevice.objects.get(user=member_a, confirmed=False)
    before = _session_cookie(signed_in)

    # when
    signed_in.post(reverse("mfa_enrol"), {"code": totp_code(device)})

    # then
    assert _session_cookie(signed_in) != before
    assert signed_in.get(reverse("home")).status_code == 200
    assert not _still_works(before)


def test_confirming_it_is_you_gives_a_new_session_key(client, member_a):
    # given
    client.force_login(member_a)
    before = _session_cookie(client)
    assert _still_works(before)

    # when
    client.post(reverse("sudo_confirm"), {"password": PASSWORD, "next": "/"})

    # then
    assert _session_cookie(client) != before
    assert client.get(reverse("home")).status_code == 200
    assert not _still_works(before)
