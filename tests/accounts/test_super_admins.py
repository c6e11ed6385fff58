import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import User
from audit.models import AuditEvent


def test_a_super_admin_promotes_and_demotes_with_security_events(tenant_a_admin, member_a):
    services.super_admin_add(actor=tenant_a_admin, user=member_a)
    assert member_a.is_super_admin and member_a.is_staff
    assert list(services.super_admin_list(actor=member_a)) == [tenant_a_admin, member_a]

    services.super_admin_remove(actor=member_a, user=tenant_a_admin)

    tenant_a_admin.refresh_from_db()
    assert not tenant_a_admin.is_super_admin and not tenant_a_admin.is_staff
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [AuditEvent.Kind.SUPER_ADMIN_ADDED, AuditEvent.Kind.SUPER_ADMIN_REMOVED]


def test_the_last_super_admin_cannot_be_removed(tenant_a_admin):
    with pytest.raises(ValidationError, match="at least one active super admin"):
        services.super_admin_remove(actor=tenant_a_admin, user=tenant_a_admin)


def test_members_and_other_tenants_cannot_change_super_admins(member_a, tenant_b_user, tenant_a_admin):
    with pytest.raises(PermissionDenied):
        services.super_admin_add(actor=member_a, user=member_a)
    with pytest.raises(ValidationError):
        services.super_admin_add(actor=tenant_b_user, user=member_a)
    with pytest.raises(PermissionDenied):
        services.super_admin_list(actor=member_a)


def test_a_role_change_in_the_admin_goes_through_the_service(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:accounts_user_change", args=[member_a.pk]),
        {
            "email": member_a.email,
            "first_name": "Max",
            "last_name": "Member",
            "role": "super_admin",
            "is_active": "on",
            "record_scopes-TOTAL_FORMS": "0",
            "record_scopes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=member_a.pk).is_super_admin
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SUPER_ADMIN_ADDED).exists()


def test_the_super_admin_list_in_the_admin(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:accounts_user_changelist"), {"role__exact": "super_admin"}).content.decode()

    assert "ada@acme.test" in page and "max@acme.test" not in page
