"""Reads of a tenant's users and teams, for its super admins' settings pages."""

from __future__ import annotations

import uuid

from django.db.models import Count, QuerySet

from accounts.models import Team, User


def user_list_with_teams(*, actor: User) -> list[tuple[User, list[str]]]:
    """(user, names of their teams) for every user of the actor's tenant, by email."""
    users = User.objects.people().filter(tenant_id=actor.tenant_id).prefetch_related("groups__team").order_by("email")
    return [(user, sorted(group.team.name for group in user.groups.all() if hasattr(group, "team"))) for user in users]


def user_get(*, actor: User, user_id: uuid.UUID) -> User | None:
    """A user of the actor's tenant; None for an unknown id or another tenant's user."""
    return User.objects.people().filter(tenant_id=actor.tenant_id, pk=user_id).first()


def team_list(*, actor: User) -> QuerySet[Team]:
    """The tenant's teams by name, each with `member_count`."""
    return Team.objects.for_tenant(actor.tenant_id).annotate(member_count=Count("group__user")).order_by("name")


def team_get(*, actor: User, team_id: uuid.UUID) -> Team | None:
    """A team of the actor's tenant; None for an unknown id or another tenant's team."""
    return Team.objects.for_tenant(actor.tenant_id).filter(pk=team_id).select_related("group").first()


def teams_of(*, actor: User, user: User) -> QuerySet[Team]:
    return Team.objects.for_tenant(actor.tenant_id).filter(group__user=user).order_by("name")


def team_member_candidates(*, actor: User, team: Team) -> QuerySet[User]:
    """Active users of the tenant who are not in the team yet, by email."""
    members = team.group.user_set.values("pk")
    return (
        User.objects.people()
        .filter(tenant_id=actor.tenant_id, is_active=True)
        .exclude(pk__in=members)
        .order_by("email")
    )
