"""Second factor: enrolment, verification, backup codes, replay, lockout, devices, reset."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import BackupCode
from audit.models import AuditEvent
from tests.conftest import PASSWORD, totp_code, totp_device


def _enrol(client):
    page = client.get(reverse("mfa_enrol")).content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    return device, secret, page


def test_a_user_without_a_device_must_enrol_before_anything_else(signed_in):
    for url in (reverse("home"), reverse("record_index", args=["contacts"]), "/admin/"):
        response = signed_in.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_enrol"))


def test_enrolment_shows_a_qr_code_and_key_and_needs_a_first_code(signed_in, member_a):
    device, secret, page = _enrol(signed_in)
    assert "<svg" in page and secret

    wrong = signed_in.post(reverse("mfa_enrol"), {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = signed_in.post(reverse("mfa_enrol"), {"code": totp_code(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert response["Cache-Control"] == "no-store"
    assert not any("backup" in key for key in signed_in.session.keys())  # never stored, not even in the session
    codes_page = response.content.decode()
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", codes_page)
    assert len(codes) == 10
    assert signed_in.get(reverse("mfa_backup_codes")).content.decode().count("<code>") == 0  # shown once
    stored = set(BackupCode.objects.filter(user=member_a).values_list("code_hash", flat=True))
    assert not any(code in hashed or code.replace("-", "") in hashed for code in codes for hashed in stored)
    assert signed_in.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.MFA_ENROLLED, actor=member_a).exists()


def test_a_user_with_a_device_verifies_a_code(signed_in, member_a):
    device = totp_device(member_a)
    assert signed_in.get(reverse("home"))["Location"].startswith(reverse("mfa_verify"))

    bad = signed_in.post(reverse("mfa_verify"), {"code": "123456"})
    assert "That code is not right" in bad.content.decode()
    # django-otp makes the device wait a second after a failure; move its clock past that
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    good = signed_in.post(reverse("mfa_verify") + "?next=/o/contacts/", {"code": totp_code(device)})

    assert good["Location"] == "/o/contacts/"
    assert signed_in.get(reverse("home")).status_code == 200
    kinds = list(AuditEvent.objects.filter(actor=member_a).values_list("kind", flat=True))
    assert AuditEvent.Kind.MFA_FAILED in kinds and AuditEvent.Kind.MFA_VERIFIED in kinds


def test_a_replayed_code_is_refused(member_a, password_only_client, client):
    device = totp_device(member_a)
    code = totp_code(device)
    assert mfa.code_verify(user=member_a, code=code) is not None

    assert mfa.code_verify(user=member_a, code=code) is None


def test_a_backup_code_works_once(member_a):
    codes = mfa.backup_codes_create(user=member_a)

    assert mfa.code_verify(user=member_a, code=codes[3].upper()) == "backup"
    assert mfa.code_verify(user=member_a, code=codes[3]) is None
    assert BackupCode.objects.filter(user=member_a, used_at__isnull=True).count() == 9


def test_wrong_codes_lock_the_user_out(signed_in, member_a, settings):
    totp_device(member_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert signed_in.post(reverse("mfa_verify"), {"code": "111111"}).status_code == 200

    locked = signed_in.post(reverse("mfa_verify"), {"code": "111111"})

    assert locked.status_code == 429 and "Too many attempts" in locked.content.decode()
    assert signed_in.get(reverse("home"))["Location"].startswith(reverse("login"))
    again = signed_in.post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})
    assert again.status_code == 429
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKED_OUT).exists()


def test_wrong_passwords_lock_out_with_a_clear_message(password_only_client, member_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = password_only_client.post(reverse("login"), {"username": "max@acme.test", "password": "nope"})

    assert response.status_code == 429 and "Try again in" in response.content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED).count() >= settings.AXES_FAILURE_LIMIT - 1


def test_removing_a_device_needs_a_fresh_confirmation(client, member_a):
    client.force_login(member_a)
    device = totp_device(member_a)
    session = client.session
    session["confirmed_at"] = 0  # long ago
    session.save()

    response = client.post(
        reverse("mfa_device_remove"), {"device": device.persistent_id}, HTTP_REFERER="/accounts/mfa/"
    )
    assert response["Location"].startswith(reverse("sudo_confirm"))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    client.post(reverse("sudo_confirm"), {"password": PASSWORD, "next": "/accounts/mfa/"})
    client.post(reverse("mfa_device_remove"), {"device": device.persistent_id})

    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.MFA_REMOVED).exists()


def test_a_super_admin_resets_another_users_mfa(tenant_a_admin, member_a, tenant_b_user):
    totp_device(member_a)
    mfa.backup_codes_create(user=member_a)

    with pytest.raises(Exception, match="Only a super admin"):
        mfa.mfa_reset(actor=tenant_b_user, user=member_a)
    mfa.mfa_reset(actor=tenant_a_admin, user=member_a)

    assert not TOTPDevice.objects.filter(user=member_a).exists() and not member_a.backup_codes.exists()
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.MFA_RESET).details == {"user": "max@acme.test"}


def test_the_admin_needs_the_second_factor(password_only_client, tenant_a_admin, client):
    password_only_client.force_login(tenant_a_admin, backend="django.contrib.auth.backends.ModelBackend")
    assert password_only_client.get("/admin/").status_code == 302

    client.force_login(tenant_a_admin)
    assert client.get("/admin/").status_code == 200
