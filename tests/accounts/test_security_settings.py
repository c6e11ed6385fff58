import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import security
from crm import services
from sensitive.sensitivity import property_sensitivity_change
from tests.sensitive.conftest import _fresh_key_cache, ada, diagnosis, salary  # noqa: F401


@pytest.mark.parametrize(
    ("field", "value"),
    [("session_idle_minutes", 10), ("session_idle_minutes", 721), ("session_max_hours", 0), ("sudo_minutes", 500)],
)
def test_settings_out_of_range_are_refused_with_a_message(client, tenant_a_admin, field, value):
    client.force_login(tenant_a_admin)
    data = {"require_mfa": "on", "session_idle_minutes": 30, "session_max_hours": 12, "sudo_minutes": 15, field: value}

    response = client.post(reverse("security_settings"), data)

    assert response.status_code == 200 and "Ensure this value is" in response.content.decode()
    tenant_a_admin.tenant.refresh_from_db()
    assert getattr(tenant_a_admin.tenant, field) != value


def test_a_super_admin_changes_the_timeout(client, tenant_a_admin):
    client.force_login(tenant_a_admin)
    data = {"require_mfa": "on", "session_idle_minutes": 45, "session_max_hours": 8, "sudo_minutes": 5}

    assert client.post(reverse("security_settings"), data).status_code == 302

    tenant_a_admin.tenant.refresh_from_db()
    assert (tenant_a_admin.tenant.session_idle_minutes, tenant_a_admin.tenant.session_max_hours) == (45, 8)


def test_members_cannot_open_security_pages(client, member_a):
    client.force_login(member_a)

    assert client.get(reverse("security_settings")).status_code == 403
    assert client.get(reverse("security_health")).status_code == 403


def test_the_first_sensitive_property_needs_mfa_for_everyone(tenant_a_admin, contacts_a):
    security.tenant_security_update(actor=tenant_a_admin, require_mfa=False)

    with pytest.raises(ValidationError, match="Require MFA for all users"):
        services.property_definition_create(
            actor=tenant_a_admin, object_type=contacts_a, name="ssn", label="SSN", sensitivity="sensitive"
        )
    phone = contacts_a.properties.get(name="phone")
    with pytest.raises(ValidationError, match="Require MFA for all users"):
        property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")

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


def test_a_reveal_asks_for_confirmation_when_the_last_one_is_old(client, tenant_a_admin, ada):
    client.force_login(tenant_a_admin)
    session = client.session
    session["confirmed_at"] = 0
    session.save()
    page = reverse("record_detail", args=["contacts", ada.pk])

    response = client.post(reverse("record_reveal", args=["contacts", ada.pk, "diagnosis"]), HTTP_REFERER=page)

    assert response["Location"].startswith(reverse("sudo_confirm"))
    wrong = client.post(reverse("sudo_confirm"), {"password": "wrong", "next": page})
    assert "not right" in wrong.content.decode()
    assert (
        client.post(reverse("sudo_confirm"), {"password": "correct-horse-battery-staple", "next": page})["Location"]
        == page
    )
    revealed = client.post(reverse("record_reveal", args=["contacts", ada.pk, "diagnosis"]))
    assert "Asthma" in revealed.content.decode()
