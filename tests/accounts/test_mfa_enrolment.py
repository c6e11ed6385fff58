"""Adding a second factor: only the session that started it can finish it, and only with a fresh confirmation."""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32encode

from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import BackupCode
from accounts.sudo import CONFIRMED_AT
from tests.conftest import PASSWORD, VerifiedClient, totp_code, totp_device


def _secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


def _confirmed_long_ago(client) -> None:
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()


def test_an_abandoned_enrolment_cannot_pass_the_second_factor(signed_in, member_a):
    # given: Max has an authenticator app, and once abandoned "add an authenticator app" (an unconfirmed device)
    totp_device(member_a)
    codes_before = set(BackupCode.objects.filter(user=member_a).values_list("code_hash", flat=True))
    abandoned = TOTPDevice.objects.create(user=member_a, name="Authenticator app", confirmed=False)

    # when: someone with only the password posts to the enrolment with that device, a wrong code then a right one
    wrong = signed_in.post(reverse("mfa_enrol"), {"device": abandoned.pk, "code": "000000"})
    right = signed_in.post(reverse("mfa_enrol"), {"device": abandoned.pk, "code": totp_code(abandoned)})

    # then: the device's key is never shown, it is not confirmed, the session still owes the second factor
    for response in (wrong, right):
        assert _secret(abandoned) not in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=abandoned.pk, confirmed=True).exists()
    assert signed_in.get(reverse("home"))["Location"].startswith(reverse("mfa_verify"))
    assert set(BackupCode.objects.filter(user=member_a).values_list("code_hash", flat=True)) == codes_before


def test_the_enrolment_form_carries_no_device_id(signed_in):
    # when
    page = signed_in.get(reverse("mfa_enrol")).content.decode()

    # then
    assert 'name="device"' not in page


def test_a_password_only_session_cannot_post_an_enrolment_it_started_elsewhere(signed_in, member_a):
    # given: Max has a device; the session (password only) has no enrolment of its own
    totp_device(member_a)
    other = TOTPDevice.objects.create(user=member_a, name="Authenticator app", confirmed=False)

    # when: the code of the unconfirmed device is posted without a device id
    response = signed_in.post(reverse("mfa_enrol"), {"code": totp_code(other)})

    # then
    assert _secret(other) not in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=other.pk, confirmed=True).exists()
    assert signed_in.get(reverse("home"))["Location"].startswith(reverse("mfa_verify"))


def test_posting_a_device_id_that_is_not_the_sessions_enrolment_counts_towards_the_lockout(
    signed_in, member_a, settings
):
    # given
    totp_device(member_a)
    abandoned = TOTPDevice.objects.create(user=member_a, name="Authenticator app", confirmed=False)

    # when
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        signed_in.post(reverse("mfa_enrol"), {"device": abandoned.pk, "code": "000000"})
    locked = signed_in.post(reverse("mfa_enrol"), {"device": abandoned.pk, "code": "000000"})

    # then
    assert locked.status_code == 429
    again = signed_in.post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})
    assert again.status_code == 429


def test_starting_an_enrolment_removes_the_abandoned_one(signed_in, member_a):
    # given: an enrolment left unfinished
    abandoned = TOTPDevice.objects.create(user=member_a, name="Authenticator app", confirmed=False)

    # when
    page = signed_in.get(reverse("mfa_enrol")).content.decode()

    # then: a new key, and the old device is gone
    assert not TOTPDevice.objects.filter(pk=abandoned.pk).exists()
    assert _secret(abandoned) not in page
    assert TOTPDevice.objects.filter(user=member_a, confirmed=False).count() == 1


def test_an_enrolment_left_too_long_is_removed_and_must_start_again(signed_in, member_a, clock):
    # given: an enrolment started, then the phone was left on the desk
    signed_in.get(reverse("mfa_enrol"))
    device = TOTPDevice.objects.get(user=member_a, confirmed=False)
    clock.advance(minutes=mfa.ENROLMENT_MINUTES + 1)

    # when: a right code comes in after the time limit
    response = signed_in.post(reverse("mfa_enrol"), {"code": totp_code(device)})

    # then
    assert "start again" in response.content.decode() or response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not signed_in.session.get("otp_device_id")


def test_stale_unconfirmed_devices_are_removed_at_the_next_sign_in(password_only_client, member_a, tenant_a_admin):
    # given: Max abandoned an enrolment an hour ago and never came back
    stale = TOTPDevice.objects.create(user=member_a, name="Authenticator app", confirmed=False)
    TOTPDevice.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))

    # when: anyone signs in
    password_only_client.post(reverse("login"), {"username": "ada@acme.test", "password": PASSWORD})

    # then
    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()


def test_adding_an_authenticator_needs_a_fresh_confirmation(client, member_a):
    # given: a verified session whose last confirmation is old
    client.force_login(member_a)
    _confirmed_long_ago(client)

    # when
    response = client.get(reverse("mfa_enrol"))

    # then: asked to confirm first, and no new key was made
    assert response.status_code == 302 and response["Location"].startswith(reverse("sudo_confirm"))
    assert not TOTPDevice.objects.filter(user=member_a, confirmed=False).exists()
    client.post(reverse("sudo_confirm"), {"password": PASSWORD, "next": reverse("mfa_enrol")})
    assert client.get(reverse("mfa_enrol")).status_code == 200
    assert TOTPDevice.objects.filter(user=member_a, confirmed=False).exists()


def test_a_second_authenticator_enrols_with_a_fresh_confirmation(client, member_a):
    # given
    client.force_login(member_a)
    client.get(reverse("mfa_enrol"))
    device = TOTPDevice.objects.get(user=member_a, confirmed=False)

    # when
    response = client.post(reverse("mfa_enrol"), {"code": totp_code(device)})

    # then
    device.refresh_from_db()
    assert device.confirmed and response.status_code == 200


def test_the_first_enrolment_after_a_pause_asks_for_the_password_only(signed_in, member_a):
    # given: Max signed in (no device yet) and left the enrolment page alone past the confirmation window
    _confirmed_long_ago(signed_in)

    # when
    response = signed_in.get(reverse("mfa_enrol"))

    # then: the password confirms it (there is no second factor yet), and the enrolment goes on
    assert response["Location"].startswith(reverse("sudo_confirm"))
    assert signed_in.get(response["Location"]).status_code == 200
    signed_in.post(reverse("sudo_confirm"), {"password": PASSWORD, "next": reverse("mfa_enrol")})
    page = signed_in.get(reverse("mfa_enrol")).content.decode()
    device = TOTPDevice.objects.get(user=member_a, confirmed=False)
    assert re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1) == _secret(device)


def test_registering_a_passkey_needs_a_fresh_confirmation(client, member_a, settings):
    # given
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://testserver"]
    client.force_login(member_a)
    begin = reverse("otp_webauthn:credential-registration-begin")
    _confirmed_long_ago(client)

    # when
    stale = client.post(begin, content_type="application/json")
    client.post(reverse("sudo_confirm"), {"password": PASSWORD, "next": "/accounts/mfa/"})
    fresh = client.post(begin, content_type="application/json")

    # then
    assert stale.status_code == 403
    assert fresh.status_code == 200


def test_completing_a_passkey_registration_needs_a_fresh_confirmation(client, member_a, settings):
    # given: a registration begun, then the confirmation went stale
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://testserver"]
    client.force_login(member_a)
    begun = client.post(reverse("otp_webauthn:credential-registration-begin"), content_type="application/json")
    assert begun.status_code == 200
    _confirmed_long_ago(client)

    # when
    response = client.post(
        reverse("otp_webauthn:credential-registration-complete"), {}, content_type="application/json"
    )

    # then
    assert response.status_code == 403


def test_the_devices_page_asks_to_confirm_before_offering_a_passkey(client, member_a):
    # given
    client.force_login(member_a)
    _confirmed_long_ago(client)

    # when
    page = client.get(reverse("mfa_devices")).content.decode()

    # then
    assert "passkey-register-button" not in page and reverse("sudo_confirm") in page


def test_a_mfa_reset_signs_the_user_out_everywhere(tenant_a_admin, member_a):
    # given: Max is signed in on two browsers
    laptop, phone = VerifiedClient(), VerifiedClient()
    laptop.force_login(member_a)
    phone.force_login(member_a)

    # when
    mfa.mfa_reset(actor=tenant_a_admin, user=member_a)

    # then
    for browser in (laptop, phone):
        response = browser.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
