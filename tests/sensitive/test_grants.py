import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from guardian.models import GroupObjectPermission, UserObjectPermission

from audit.models import AuditEvent
from crm.models import PropertyDefinition
from sensitive import grants
from tests.factories import make_property


def _no_grants() -> bool:
    return not UserObjectPermission.objects.exists() and not GroupObjectPermission.objects.exists()


def test_a_grant_and_a_revoke_are_security_events(tenant_a_admin, salary, sales):
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=sales, level="edit")
    grants.property_revoke(actor=tenant_a_admin, definition=salary, grantee=sales)

    added = AuditEvent.objects.get(kind=AuditEvent.Kind.GRANT_ADDED)
    assert added.details["level"] == "edit" and added.details["grantee"] == "Sales"
    assert added.property_names == ["annual_salary"] and added.actor == tenant_a_admin
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_REMOVED).count() == 1
    assert _no_grants()


def test_granting_view_after_edit_downgrades(tenant_a_admin, salary, member_a):
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=member_a, level="edit")
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=member_a, level="view")

    assert list(UserObjectPermission.objects.values_list("permission__codename", flat=True)) == ["view_sensitive"]


@pytest.mark.parametrize("_case", ["other_tenants_property", "other_tenants_user", "unknown_level", "plain_property"])
def test_bad_grants_are_clear_errors_and_change_nothing(
    _case, tenant_a_admin, tenant_b_user, contacts_b, salary, member_a
):
    definition, grantee, level = salary, member_a, "view"
    if _case == "other_tenants_property":
        definition = make_property(tenant_b_user, contacts_b, "x", sensitivity="sensitive")
    elif _case == "other_tenants_user":
        grantee = tenant_b_user
    elif _case == "unknown_level":
        level = "delete_everything"
    else:
        definition = PropertyDefinition.objects.get(object_type=salary.object_type, name="email")

    with pytest.raises(ValidationError) as error:
        grants.property_grant(actor=tenant_a_admin, definition=definition, grantee=grantee, level=level)

    assert set(error.value.message_dict) <= {"property", "grantee", "level"}
    assert _no_grants()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_ADDED).exists()


def test_only_super_admins_grant(member_a, salary):
    with pytest.raises(PermissionDenied):
        grants.property_grant(actor=member_a, definition=salary, grantee=member_a, level="edit")
    assert _no_grants()


def test_who_can_see_lists_super_admins_direct_and_team_grants(
    tenant_a_admin, salary, sales, member_a, member_direct_grant
):
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=sales, level="edit")

    lines = grants.property_access_list(actor=tenant_a_admin, definition=salary)

    assert [(line.user.email, line.level, line.through) for line in lines] == [
        ("ada@acme.test", "edit", "super admin"),
        ("dee@acme.test", "view", "direct grant"),
        ("max@acme.test", "edit", "team Sales"),
    ]
    assert [
        (d.name, level, through) for d, level, through in grants.user_access_list(actor=tenant_a_admin, user=member_a)
    ] == [("annual_salary", "edit", "team Sales")]


def test_the_admin_access_screen_grants_lists_and_revokes(client, tenant_a_admin, salary, sales):
    client.force_login(tenant_a_admin)
    url = reverse("admin:crm_propertydefinition_access", args=[salary.pk])

    response = client.post(url, {"grantee": f"team:{sales.pk}", "level": "view"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "team Sales" in page and "max@acme.test" in page

    client.post(url, {"revoke": f"team:{sales.pk}"})
    assert "team Sales" not in client.get(url).content.decode()
    assert _no_grants()


def test_the_admin_access_screen_rejects_a_foreign_grantee(client, tenant_a_admin, tenant_b_user, salary):
    client.force_login(tenant_a_admin)
    url = reverse("admin:crm_propertydefinition_access", args=[salary.pk])

    response = client.post(url, {"grantee": f"user:{tenant_b_user.pk}", "level": "view"})

    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert _no_grants()


def test_another_tenants_admin_cannot_open_the_screen(client, tenant_b_user, salary):
    client.force_login(tenant_b_user)

    assert client.get(reverse("admin:crm_propertydefinition_access", args=[salary.pk])).status_code == 404


def test_the_user_page_lists_what_the_user_can_see(client, tenant_a_admin, salary, sales, member_a):
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=sales, level="view")
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:accounts_user_change", args=[member_a.pk])).content.decode()

    assert "Sensitive properties this user can see" in page and "Annual salary" in page and "team Sales" in page
