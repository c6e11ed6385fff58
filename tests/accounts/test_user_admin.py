"""Users in the admin: role and activation go through the same services as the settings UI."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import User
from audit.models import AuditEvent
from tests.admin_forms import admin_form_data
from tests.conftest import VerifiedClient

Kind = AuditEvent.Kind


def _change(client, user: User, **changes):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    return client.post(url, admin_form_data(client.get(url), **changes), follow=True)


def _messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_demoting_the_last_super_admin_in_the_admin_is_refused_with_a_message(client, tenant_a_admin):
    # given
    client.force_login(tenant_a_admin)

    # when
    response = _change(client, tenant_a_admin, role=User.Role.MEMBER)

    # then
    assert response.status_code == 200
    assert "at least one active super admin" in response.content.decode()
    tenant_a_admin.refresh_from_db()
    assert tenant_a_admin.role == User.Role.SUPER_ADMIN


def test_deactivating_the_last_super_admin_in_the_admin_is_refused_with_a_message(client, tenant_a_admin):
    client.force_login(tenant_a_admin)
    data = admin_form_data(client.get(reverse("admin:accounts_user_change", args=[tenant_a_admin.pk])))
    del data["is_active"]

    response = client.post(reverse("admin:accounts_user_change", args=[tenant_a_admin.pk]), data)

    assert response.status_code == 200
    assert "at least one active super admin" in response.content.decode()
    tenant_a_admin.refresh_from_db()
    assert tenant_a_admin.is_active


def test_promoting_a_member_in_the_admin_is_a_security_event(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    response = _change(client, member_a, role=User.Role.SUPER_ADMIN)

    assert response.status_code == 200
    member_a.refresh_from_db()
    assert member_a.role == User.Role.SUPER_ADMIN and member_a.is_staff
    assert AuditEvent.objects.filter(kind=Kind.SUPER_ADMIN_ADDED, details__user=member_a.email).count() == 1


def test_deactivating_a_user_in_the_admin_ends_their_sessions(client, tenant_a_admin, member_a):
    # given: the member is signed in elsewhere
    members_browser = VerifiedClient()
    members_browser.force_login(member_a)
    assert members_browser.get(reverse("home")).status_code == 200
    client.force_login(tenant_a_admin)
    url = reverse("admin:accounts_user_change", args=[member_a.pk])
    data = admin_form_data(client.get(url))
    del data["is_active"]

    # when
    response = client.post(url, data)

    # then
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert not member_a.is_active
    assert members_browser.get(reverse("home")).status_code == 302  # signed out
    assert AuditEvent.objects.filter(kind=Kind.USER_DEACTIVATED, details__user=member_a.email).count() == 1


def test_reactivating_a_user_in_the_admin_is_a_security_event(client, tenant_a_admin, member_a):
    services.user_deactivate(actor=tenant_a_admin, user=member_a)
    client.force_login(tenant_a_admin)

    response = _change(client, member_a, is_active="on")

    assert response.status_code == 200
    member_a.refresh_from_db()
    assert member_a.is_active
    assert AuditEvent.objects.filter(kind=Kind.USER_REACTIVATED, details__user=member_a.email).count() == 1


def test_the_deactivate_action_refuses_the_last_super_admin(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [tenant_a_admin.pk, member_a.pk]},
        follow=True,
    )

    assert "at least one active super admin" in _messages(response)
    tenant_a_admin.refresh_from_db()
    member_a.refresh_from_db()
    assert tenant_a_admin.is_active and not member_a.is_active


def test_users_are_deactivated_not_deleted_in_the_admin(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("admin:accounts_user_delete", args=[member_a.pk]), {"post": "yes"})
    listed = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [member_a.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert listed.status_code in (200, 302)
    assert User.objects.filter(pk=member_a.pk).exists()


def test_changing_a_users_email_in_the_admin_is_a_security_event(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    response = _change(client, member_a, email="maxine@acme.test", first_name="Maxine")

    assert response.status_code == 200
    member_a.refresh_from_db()
    assert member_a.email == "maxine@acme.test" and member_a.first_name == "Maxine"
    event = AuditEvent.objects.get(kind=Kind.USER_CHANGED)
    assert event.details["changed"] == ["email", "first_name"] and event.details["user"] == "maxine@acme.test"


def test_a_users_new_email_must_be_free(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)
    url = reverse("admin:accounts_user_change", args=[member_a.pk])

    response = client.post(url, admin_form_data(client.get(url), email="ada@acme.test"))

    assert response.status_code == 200 and "already" in response.content.decode()
    member_a.refresh_from_db()
    assert member_a.email == "max@acme.test"


# The services


def test_the_last_super_admin_cannot_be_deactivated(tenant_a_admin):
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=tenant_a_admin, user=tenant_a_admin)
    tenant_a_admin.refresh_from_db()
    assert tenant_a_admin.is_active


def test_a_deactivated_super_admin_no_longer_counts(tenant_a_admin, member_a):
    services.super_admin_add(actor=tenant_a_admin, user=member_a)

    services.user_deactivate(actor=tenant_a_admin, user=member_a)

    member_a.refresh_from_db()
    assert not member_a.is_active and not member_a.is_super_admin
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=tenant_a_admin, user=tenant_a_admin)


def test_a_user_of_another_tenant_cannot_be_deactivated(tenant_a_admin, tenant_b_user):
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=tenant_a_admin, user=tenant_b_user)
    tenant_b_user.refresh_from_db()
    assert tenant_b_user.is_active


# The settings UI uses the same services


def test_the_settings_ui_deactivates_a_user_and_refuses_the_last_super_admin(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    refused = client.post(reverse("settings_user_active", args=[tenant_a_admin.pk]))
    done = client.post(reverse("settings_user_active", args=[member_a.pk]))

    assert refused.status_code == 200 and "at least one active super admin" in refused.content.decode()
    assert done.status_code == 302
    tenant_a_admin.refresh_from_db()
    member_a.refresh_from_db()
    assert tenant_a_admin.is_active and not member_a.is_active
    assert AuditEvent.objects.filter(kind=Kind.USER_DEACTIVATED).count() == 1
