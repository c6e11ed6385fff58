"""The tenant's security settings: one page (/settings/security/; /security/settings/ leads to it), one service."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import security
from audit.models import AuditEvent
from crm import services
from sensitive import sensitivity


def _security_form(tenant, **typed) -> dict:
    """The one security form as the page fills it in, with `typed` over it."""
    data = {
        "session_idle_minutes": tenant.session_idle_minutes,
        "session_max_hours": tenant.session_max_hours,
        "sudo_minutes": tenant.sudo_minutes,
        "audit_retention_days": tenant.audit_retention_days,
    }
    if tenant.require_mfa:
        data["require_mfa"] = "on"
    return {**data, **typed}


@pytest.mark.parametrize(
    ("field", "value"),
    [("session_idle_minutes", 10), ("session_idle_minutes", 721), ("session_max_hours", 0), ("sudo_minutes", 500)],
)
def test_settings_out_of_range_are_refused_with_a_message(client, tenant_a_admin, field, value):
    client.force_login(tenant_a_admin)
    data = _security_form(tenant_a_admin.tenant, require_mfa="on", **{field: value})

    response = client.post(reverse("settings_security"), data)

    assert response.status_code == 200 and "Ensure this value is" in response.content.decode()
    tenant_a_admin.tenant.refresh_from_db()
    assert getattr(tenant_a_admin.tenant, field) != value


def test_a_super_admin_changes_the_timeout(client, tenant_a_admin):
    client.force_login(tenant_a_admin)
    data = _security_form(tenant_a_admin.tenant, require_mfa="on", session_idle_minutes=45, session_max_hours=8)

    assert client.post(reverse("settings_security"), data).status_code == 302

    tenant_a_admin.tenant.refresh_from_db()
    assert (tenant_a_admin.tenant.session_idle_minutes, tenant_a_admin.tenant.session_max_hours) == (45, 8)


def test_members_cannot_open_security_pages(client, member_a):
    client.force_login(member_a)

    assert client.get(reverse("security_settings")).status_code == 403
    assert client.get(reverse("settings_security")).status_code == 403
    assert client.get(reverse("security_health")).status_code == 403


@pytest.mark.parametrize("address", ["settings_security", "security_settings"])
def test_both_security_addresses_lead_to_one_form_with_every_setting(client, tenant_a_admin, address):
    # given
    client.force_login(tenant_a_admin)

    # when
    response = client.get(reverse(address), follow=True)

    # then
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("settings_security")
    every = ["require_mfa", "session_idle_minutes", "session_max_hours", "sudo_minutes", "audit_retention_days"]
    assert list(response.context["form"].fields) == every
    page = response.content.decode()
    assert all(f'name="{name}"' in page for name in every)


@pytest.mark.parametrize("address", ["settings_security", "security_settings"])
def test_a_save_from_either_security_address_writes_one_event(client, tenant_a_admin, address):
    # given
    client.force_login(tenant_a_admin)
    tenant = tenant_a_admin.tenant
    data = _security_form(tenant, session_idle_minutes=20, audit_retention_days=400)

    # when
    response = client.post(reverse(address), data, follow=True)

    # then
    assert response.status_code == 200 and "Saved the security settings." in response.content.decode()
    tenant.refresh_from_db()
    assert (tenant.session_idle_minutes, tenant.audit_retention_days) == (20, 400)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED)
    assert event.details == {
        "before": {"session_idle_minutes": 30, "audit_retention_days": 2557},
        "after": {"session_idle_minutes": 20, "audit_retention_days": 400},
    }


def test_turning_mfa_off_while_a_property_is_sensitive_is_an_error_on_the_page(client, tenant_a_admin, salary):
    # given
    client.force_login(tenant_a_admin)
    data = _security_form(tenant_a_admin.tenant)
    data.pop("require_mfa")

    # when
    response = client.post(reverse("settings_security"), data)

    # then
    assert response.status_code == 200 and "MFA stays required" in response.content.decode()
    tenant_a_admin.tenant.refresh_from_db()
    assert tenant_a_admin.tenant.require_mfa
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED).exists()


def test_retention_is_changed_and_audited(client, tenant_a_admin, tenant_a):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("settings_security"), _security_form(tenant_a, audit_retention_days="400"))

    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.audit_retention_days == 400
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED)
    assert event.details == {"before": {"audit_retention_days": 2557}, "after": {"audit_retention_days": 400}}


@pytest.mark.parametrize(("_case", "value", "message"), [("too_short", "30", "365"), ("not_a_number", "a year", "")])
def test_a_bad_retention_is_an_error_next_to_the_field(client, tenant_a_admin, tenant_a, _case, value, message):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("settings_security"), _security_form(tenant_a, audit_retention_days=value))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["audit_retention_days"])
    assert message in errors and errors
    assert f'value="{value}"' in response.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.audit_retention_days == 2557


def test_only_super_admins_change_tenant_settings(member_a, tenant_a):
    with pytest.raises(PermissionDenied):
        security.tenant_security_update(actor=member_a, audit_retention_days=400)


def test_the_first_sensitive_property_needs_mfa_for_everyone(tenant_a_admin, contacts_a):
    security.tenant_security_update(actor=tenant_a_admin, require_mfa=False)

    with pytest.raises(ValidationError, match="Require MFA for all users"):
        services.property_definition_create(
            actor=tenant_a_admin, object_type=contacts_a, name="ssn", label="SSN", sensitivity="sensitive"
        )
    phone = contacts_a.properties.get(name="phone")
    with pytest.raises(ValidationError, match="Require MFA for all users"):
        sensitivity.property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")

    security.tenant_security_update(actor=tenant_a_admin, require_mfa=True)
    services.property_definition_create(
        actor=tenant_a_admin, object_type=contacts_a, name="ssn", label="SSN", sensitivity="sensitive"
    )
    with pytest.raises(ValidationError, match="stays required"):
        security.tenant_security_update(actor=tenant_a_admin, require_mfa=False)


def test_without_tenant_wide_mfa_a_grant_holder_still_needs_it(tenant_a_admin, member_a, salary):
    from sensitive import grants

    tenant = tenant_a_admin.tenant
    tenant.require_mfa = False
    tenant.save()
    member_a.refresh_from_db()
    assert not security.mfa_required(member_a)

    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=member_a, level="view")

    assert security.mfa_required(member_a)


def test_a_reveal_asks_for_confirmation_when_the_last_one_is_old(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)
    session = client.session
    session["confirmed_at"] = 0
    session.save()
    page = reverse("record_detail", args=["contacts", rosalind.pk])

    response = client.post(reverse("record_reveal", args=["contacts", rosalind.pk, "diagnosis"]), HTTP_REFERER=page)

    assert response["Location"].startswith(reverse("sudo_confirm"))
    wrong = client.post(reverse("sudo_confirm"), {"password": "wrong", "next": page})
    assert "not right" in wrong.content.decode()
    assert (
        client.post(reverse("sudo_confirm"), {"password": "correct-horse-battery-staple", "next": page})["Location"]
        == page
    )
    revealed = client.post(reverse("record_reveal", args=["contacts", rosalind.pk, "diagnosis"]))
    assert "Asthma" in revealed.content.decode()
