"""Invitations: a new user sets their own password through a single-use, expiring link sent by email."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts import invitations, private_apps
from accounts.models import Invitation, User
from audit.models import AuditEvent

NEW_PASSWORD = "a-long-passphrase-of-my-own"
LINK = re.compile(r"https?://\S+/accounts/invitation/[\w-]+/")


def _link_path(message) -> str:
    """The path of the one sign-up link in an email."""
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    return urlsplit(links[0]).path


def _set_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


@pytest.fixture
def invited(db, django_capture_on_commit_callbacks):
    """A tenant made on the command line without a password: its super admin has only an email."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_tenant", "Initech", "--admin-email", "bill@initech.test")
    return User.objects.get(email="bill@initech.test")


def test_create_tenant_without_a_password_emails_a_sign_up_link(db, capsys, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_tenant", "Initech", "--admin-email", "bill@initech.test")

    # then: the admin has no password yet; they got one email with a link; the operator's terminal shows no link
    admin = User.objects.get(email="bill@initech.test")
    assert admin.is_super_admin and not admin.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bill@initech.test"]
    token = _link_path(message).rstrip("/").rsplit("/", 1)[1]
    output = capsys.readouterr()
    assert "bill@initech.test" in output.out
    assert token not in output.out + output.err
    # only a hash of the token is stored
    stored = Invitation.objects.get(user=admin)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITATION_SENT, tenant=admin.tenant)
    assert events.count() == 1 and token not in str(events.get().details)


def test_the_email_is_sent_only_after_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("create_tenant", "Initech", "--admin-email", "bill@initech.test")

    assert mail.outbox == []
    # the email, besides the audit events' seal (audit.sealing)
    assert len([callback for callback in callbacks if not hasattr(callback, "audit_chain")]) == 1


def test_the_link_sets_the_password_once(invited, client):
    path = _link_path(mail.outbox[0])

    # when: the invitee opens the link and sets a password
    page = client.get(path)
    response = _set_password(client, path)

    # then: the password works, and the invitee is sent to sign in (then to MFA enrolment)
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITATION_ACCEPTED, actor=invited).count() == 1

    # when: the link is used again
    again = _set_password(client, path, "another-long-passphrase")

    # then: a clear page says so, and the password stays
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 410


def test_an_expired_link_fails(invited, client):
    # given: the invitation's time is up
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    path = _link_path(mail.outbox[0])

    # when
    page = client.get(path)
    response = _set_password(client, path)

    # then
    for answer in (page, response):
        assert answer.status_code == 410
        assert "expired" in answer.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_an_unknown_link_shows_a_clear_page(db, client):
    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_a_new_invitation_voids_the_old_one(invited, client, django_capture_on_commit_callbacks):
    old_path = _link_path(mail.outbox[0])

    # when: the invitation is sent again
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_user", "bill@initech.test")

    # then: the old link is dead, the new one works
    new_path = _link_path(mail.outbox[1])
    assert new_path != old_path
    old = _set_password(client, old_path)
    assert old.status_code == 410 and "newer invitation" in old.content.decode()
    assert _set_password(client, new_path).status_code == 302
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)


def test_the_accept_page_shows_the_password_rules_errors(invited, client):
    path = _link_path(mail.outbox[0])

    weak = _set_password(client, path, "bill")
    mismatch = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})

    assert weak.status_code == 200 and "too short" in weak.content.decode()
    assert mismatch.status_code == 200 and "do not match" in mismatch.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()
    # the link still works after a mistake
    assert _set_password(client, path).status_code == 302


def test_after_accepting_the_invitee_signs_in_and_must_enrol_mfa(invited, password_only_client):
    path = _link_path(mail.outbox[0])
    _set_password(password_only_client, path)

    signed_in = password_only_client.post(reverse("login"), {"username": "bill@initech.test", "password": NEW_PASSWORD})
    home = password_only_client.get(reverse("home"))

    assert signed_in.status_code == 302
    assert home.status_code == 302 and home["Location"].startswith(reverse("mfa_enrol"))


def test_the_operator_neither_sets_nor_learns_the_first_admins_password(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)

    # when: the operator adds a tenant in the admin
    form = client.get(reverse("admin:accounts_tenant_add")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_tenant_add"), {"name": "Initech", "admin_email": "bill@initech.test"}
        )

    # then: there was no password to type; the admin got the link, the operator's page did not
    assert 'type="password"' not in form
    assert response.status_code == 302
    admin = User.objects.get(email="bill@initech.test")
    assert admin.is_super_admin and not admin.has_usable_password()
    token = _link_path(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert mail.outbox[0].to == ["bill@initech.test"]
    assert token not in client.get(response["Location"], follow=True).content.decode()


def test_a_super_admin_adds_a_user_in_the_admin_by_invitation(
    client, tenant_a_admin, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a_admin)

    form = client.get(reverse("admin:accounts_user_add")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_add"), {"email": "new@acme.test", "first_name": "New", "role": "member"}
        )

    assert 'type="password"' not in form
    assert response.status_code == 302
    user = User.objects.get(email="new@acme.test")
    assert not user.has_usable_password()
    assert [message.to for message in mail.outbox] == [["new@acme.test"]]


def test_a_super_admin_adds_a_user_in_settings_by_invitation(
    client, tenant_a_admin, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a_admin)

    form = client.get(reverse("settings_user_create")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("settings_user_create"), {"email": "new@acme.test", "first_name": "New", "role": "member"}
        )

    assert 'type="password"' not in form
    assert response.status_code == 302
    assert not User.objects.get(email="new@acme.test").has_usable_password()
    assert [message.to for message in mail.outbox] == [["new@acme.test"]]


def test_a_super_admin_sends_a_new_invitation_from_settings(client, tenant_a_admin, django_capture_on_commit_callbacks):
    # given: a user invited earlier
    with django_capture_on_commit_callbacks(execute=True):
        from accounts import services

        user = services.user_create(actor=tenant_a_admin, email="new@acme.test")
    old_path = _link_path(mail.outbox[0])
    client.force_login(tenant_a_admin)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settings_user_invite", args=[user.pk]))

    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 2 and _link_path(mail.outbox[1]) != old_path
    assert Invitation.objects.filter(user=user, used_at=None, voided_at=None).count() == 1
    assert "Send a new invitation" in client.get(reverse("settings_user_detail", args=[user.pk])).content.decode()


def test_only_the_users_own_super_admins_or_the_operator_invite(member_a, tenant_b_user, operator, tenant_a_admin):
    from accounts import services

    pending = services.user_create(actor=tenant_a_admin, email="new@acme.test")

    for outsider in (member_a, tenant_b_user):
        with pytest.raises(PermissionDenied):
            invitations.invitation_create(actor=outsider, user=pending)
    assert invitations.invitation_create(actor=operator, user=pending).user == pending


def test_a_user_who_set_a_password_is_not_invited_again(tenant_a_admin, member_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="already"):
        invitations.invitation_create(actor=tenant_a_admin, user=member_a)


def test_the_invite_command_reports_an_unknown_user_without_a_traceback(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("invite_user", "nobody@nowhere.test")


def test_a_signed_in_user_is_asked_to_sign_out_before_accepting(invited, client, member_a):
    path = _link_path(mail.outbox[0])
    client.force_login(member_a)

    response = _set_password(client, path)

    assert response.status_code == 200 and "Sign out first" in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_a_member_cannot_send_invitations_from_settings(client, member_a, tenant_a_admin):
    from accounts import services

    pending = services.user_create(actor=tenant_a_admin, email="new@acme.test")
    client.force_login(member_a)

    response = client.post(reverse("settings_user_invite", args=[pending.pk]))

    assert response.status_code == 403
    assert Invitation.objects.filter(user=pending).count() == 1


def test_the_admin_refuses_a_taken_admin_email_next_to_its_field(client, operator, member_a):
    client.force_login(operator)

    response = client.post(reverse("admin:accounts_tenant_add"), {"name": "Initech", "admin_email": "max@acme.test"})

    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["admin_email"])
    assert not User.objects.filter(tenant__name="Initech").exists()


def test_a_failed_email_is_logged_without_the_token_and_the_user_can_be_invited_again(
    db, settings, caplog, django_capture_on_commit_callbacks
):
    # given: an SMTP server that refuses connections
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    # when
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_tenant", "Initech", "--admin-email", "bill@initech.test")

    # then: the tenant exists, the failure is logged, and no token is in the log
    admin = User.objects.get(email="bill@initech.test")
    assert "Could not send the invitation email" in caplog.text
    assert "/accounts/invitation/" not in caplog.text
    assert Invitation.objects.filter(user=admin).count() == 1


def test_an_apps_own_user_cannot_be_invited_to_set_a_password(tenant_a_admin):
    app, _ = private_apps.private_app_create(
        actor=tenant_a_admin, tenant=tenant_a_admin.tenant, name="Sync", scopes=["crm.objects.contacts.read"]
    )
    for actor in (tenant_a_admin, None):
        with pytest.raises(ValidationError):
            invitations.invitation_create(actor=actor, user=app.user)
