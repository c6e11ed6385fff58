import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from guardian.models import GroupObjectPermission
from guardian.shortcuts import assign_perm

from accounts import services
from accounts.models import Team
from accounts.sudo import CONFIRMED_AT
from audit.models import AuditEvent
from crm import services as crm_services
from crm.records import services as record_services
from sensitive import grants
from sensitive.grants import grants_changed


def test_a_super_admin_creates_a_team_backed_by_a_group(tenant_a_admin, member_a):
    team = services.team_create(actor=tenant_a_admin, name="Sales")
    services.team_member_add(actor=tenant_a_admin, team=team, user=member_a)

    assert team.group.user_set.get() == member_a
    assert list(member_a.groups.all()) == [team.group]


def test_two_tenants_may_each_have_a_team_of_the_same_name(tenant_a_admin, tenant_b_user):
    team_a = services.team_create(actor=tenant_a_admin, name="Sales")
    team_b = services.team_create(actor=tenant_b_user, name="Sales")

    assert team_a.group != team_b.group


def test_a_member_cannot_create_teams(member_a):
    with pytest.raises(PermissionDenied):
        services.team_create(actor=member_a, name="Sales")


def test_a_user_of_another_tenant_cannot_join(tenant_a_admin, tenant_b_user):
    team = services.team_create(actor=tenant_a_admin, name="Sales")

    with pytest.raises(ValidationError):
        services.team_member_add(actor=tenant_a_admin, team=team, user=tenant_b_user)
    assert not team.group.user_set.exists()


def test_a_member_cannot_add_users(member_a):
    with pytest.raises(PermissionDenied):
        services.user_create(actor=member_a, email="new@acme.test")


# Deleting a team


@pytest.fixture
def passport(tenant_a_admin, contacts_a):
    return crm_services.property_definition_create(
        actor=tenant_a_admin, object_type=contacts_a, name="passport", label="Passport", sensitivity="sensitive"
    )


@pytest.fixture
def ada(tenant_a_admin, contacts_a, passport):
    return record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Ada", "passport": "X1234567"}
    )


@pytest.fixture
def sales(tenant_a_admin, member_a, passport):
    team = services.team_create(actor=tenant_a_admin, name="Sales")
    services.team_member_add(actor=tenant_a_admin, team=team, user=member_a)
    grants.property_grant(actor=tenant_a_admin, definition=passport, grantee=team, level="view")
    return team


def _record_page(client, record) -> str:
    return client.get(reverse("record_detail", args=["contacts", record.pk])).content.decode()


def test_a_former_member_no_longer_reads_a_value_once_the_team_is_deleted(client, tenant_a_admin, member_a, sales, ada):
    # given: the member reads the value through the team
    client.force_login(member_a)
    assert "X1234567" in _record_page(client, ada)

    # when
    services.team_delete(actor=tenant_a_admin, team=sales)

    # then
    assert "X1234567" not in _record_page(client, ada)
    assert not Group.objects.filter(pk=sales.group_id).exists()
    assert not GroupObjectPermission.objects.exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TEAM_DELETED)
    assert event.actor == tenant_a_admin and event.details["team"] == "Sales"


def test_a_team_is_deleted_from_the_settings_ui(client, tenant_a_admin, member_a, sales, ada):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("settings_team_delete", args=[sales.pk]))

    assert response.status_code == 302
    assert not Team.objects.exists() and not GroupObjectPermission.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TEAM_DELETED).count() == 1


def test_deleting_a_team_asks_for_a_fresh_confirmation(client, tenant_a_admin, sales):
    client.force_login(tenant_a_admin)
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()

    response = client.post(reverse("settings_team_delete", args=[sales.pk]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("sudo_confirm"))
    assert Team.objects.filter(pk=sales.pk).exists()


def test_a_team_is_deleted_from_the_admin_through_the_service(client, tenant_a_admin, sales):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("admin:accounts_team_delete", args=[sales.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Team.objects.exists() and not Group.objects.filter(pk=sales.group_id).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TEAM_DELETED).count() == 1


def test_delete_selected_in_the_admin_deletes_teams_through_the_service(client, tenant_a_admin, sales):
    other = services.team_create(actor=tenant_a_admin, name="Support")
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:accounts_team_changelist"),
        {"action": "delete_selected", "_selected_action": [sales.pk, other.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Team.objects.exists() and not GroupObjectPermission.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TEAM_DELETED).count() == 2


def test_another_tenants_admin_cannot_delete_a_team(tenant_b_user, sales):
    with pytest.raises(ValidationError):
        services.team_delete(actor=tenant_b_user, team=sales)
    assert Team.objects.filter(pk=sales.pk).exists()


@pytest.mark.parametrize("_case", ["plain_group", "other_tenants_team"])
def test_a_group_that_is_not_a_team_of_ones_tenant_grants_nothing(
    client, tenant_a_admin, tenant_b_user, member_a, passport, ada, _case
):
    # given: the member is in a group that holds a grant but is not one of their tenant's teams
    if _case == "plain_group":
        group = Group.objects.create(name="left over")
    else:
        group = services.team_create(actor=tenant_b_user, name="Spies").group
    member_a.groups.add(group)
    assign_perm("crm.view_sensitive", group, passport)
    grants_changed(tenant_id=tenant_a_admin.tenant_id)
    client.force_login(member_a)

    # when
    page = _record_page(client, ada)

    # then
    assert "X1234567" not in page


# The admin's team form


def test_a_duplicate_team_name_in_the_admin_is_a_form_error(client, tenant_a_admin, sales):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("admin:accounts_team_add"), {"name": "sales", "members": []})

    assert response.status_code == 200
    assert "A team named" in response.content.decode() and "already exists" in response.content.decode()
    assert Team.objects.count() == 1


def test_a_duplicate_team_name_on_rename_is_a_form_error(client, tenant_a_admin, sales):
    other = services.team_create(actor=tenant_a_admin, name="Support")
    client.force_login(tenant_a_admin)

    response = client.post(reverse("admin:accounts_team_change", args=[other.pk]), {"name": "Sales", "members": []})

    assert response.status_code == 200 and "already exists" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Support"


def test_team_membership_in_the_admin_goes_through_the_services(client, tenant_a_admin, member_a, sales):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("admin:accounts_team_change", args=[sales.pk]), {"name": "Sales", "members": []})

    assert response.status_code == 302
    assert not sales.group.user_set.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TEAM_MEMBER_REMOVED).count() == 1
