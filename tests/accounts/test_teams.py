import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services


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
