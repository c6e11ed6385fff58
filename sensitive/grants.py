"""Grants on sensitive properties: given and revoked by super admins, read by auditors."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from guardian.shortcuts import assign_perm, get_groups_with_perms, get_users_with_perms, remove_perm

from accounts.models import Team, User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import PropertyDefinition
from sensitive.models import TenantKeyset
from sensitive.permissions import EDIT, VIEW, PropertyAccess

LEVELS = {"view": VIEW, "edit": EDIT}


def grants_changed(*, tenant_id) -> None:
    """Every process re-reads grants on its next call: teams, roles and grants all go through here."""
    TenantKeyset.objects.filter(tenant_id=tenant_id).update(grants_version=F("grants_version") + 1)


def _check(actor: User, definition: PropertyDefinition, grantee: User | Team) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can grant or revoke access to sensitive properties.")
    if definition.tenant_id != actor.tenant_id:
        raise ValidationError({"property": "No such property in your organisation."})
    if not isinstance(grantee, User | Team) or grantee.tenant_id != actor.tenant_id:
        raise ValidationError({"grantee": "No such user or team in your organisation."})
    if not definition.is_sensitive:
        raise ValidationError(
            {"property": f"{definition.label} is not sensitive: everyone who sees the record sees it."}
        )


def _describe(grantee: User | Team) -> dict:
    kind = "team" if isinstance(grantee, Team) else "user"
    return {"grantee_kind": kind, "grantee_id": str(grantee.pk), "grantee": str(grantee)}


def _target(grantee: User | Team):
    return grantee.group if isinstance(grantee, Team) else grantee


@transaction.atomic
def property_grant(*, actor: User, definition: PropertyDefinition, grantee: User | Team, level: str) -> None:
    """Give exactly `level` ("view" or "edit", which includes view) to a user or a team."""
    if level not in LEVELS:
        raise ValidationError({"level": f"{level!r} is not a permission; use one of: {', '.join(LEVELS)}."})
    _check(actor, definition, grantee)
    target = _target(grantee)
    for codename in (VIEW, EDIT):
        remove_perm(f"crm.{codename}", target, definition)
    assign_perm(f"crm.{LEVELS[level]}", target, definition)
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(
        kind=AuditEvent.Kind.GRANT_ADDED,
        actor=actor,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"level": level, **_describe(grantee)},
    )


@transaction.atomic
def property_revoke(*, actor: User, definition: PropertyDefinition, grantee: User | Team) -> None:
    _check(actor, definition, grantee)
    target = _target(grantee)
    for codename in (VIEW, EDIT):
        remove_perm(f"crm.{codename}", target, definition)
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(
        kind=AuditEvent.Kind.GRANT_REMOVED,
        actor=actor,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details=_describe(grantee),
    )


@dataclass(frozen=True)
class AccessLine:
    """One line of a "who can see this" report."""

    user: User
    level: str  # "edit", "view", or "write" (an app's write scope without its read scope)
    through: str  # "super admin", "direct grant", "team Sales", or "private app scopes"


def property_access_list(*, actor: User, definition: PropertyDefinition) -> list[AccessLine]:
    """Everyone who can view or edit a sensitive property, and why; what auditors ask for first."""
    if not actor.is_super_admin or definition.tenant_id != actor.tenant_id:
        raise PermissionDenied("Only a super admin of this tenant can see who has access.")
    lines = [
        AccessLine(user, "edit", "super admin")
        for user in User.objects.filter(tenant_id=definition.tenant_id, role=User.Role.SUPER_ADMIN, is_active=True)
    ]
    users = get_users_with_perms(definition, attach_perms=True, with_superusers=False, with_group_users=False)
    for user, perms in users.items():
        if user.is_active and user.tenant_id == definition.tenant_id and not user.is_super_admin:
            lines.append(AccessLine(user, _level(perms), "direct grant"))
    for group, perms in get_groups_with_perms(definition, attach_perms=True).items():
        team = Team.objects.filter(group=group, tenant_id=definition.tenant_id).first()
        if team is None:
            continue
        for user in group.user_set.filter(is_active=True, tenant_id=definition.tenant_id):
            if not user.is_super_admin:
                lines.append(AccessLine(user, _level(perms), f"team {team.name}"))
    lines += _app_lines(definition)
    return sorted(lines, key=lambda line: (line.user.email, line.through))


def _app_lines(definition: PropertyDefinition) -> list[AccessLine]:
    """Private apps whose API scopes (minus their allowlist) open the property: they hold no grant."""
    lines = []
    for app_user in User.objects.filter(tenant_id=definition.tenant_id, role=User.Role.APP, is_active=True):
        access = PropertyAccess(app_user)
        view, edit = access.can_view(definition), access.can_edit(definition)
        if view or edit:
            lines.append(
                AccessLine(app_user, "edit" if view and edit else "view" if view else "write", "private app scopes")
            )
    return lines


def property_grant_list(*, actor: User, definition: PropertyDefinition) -> list[tuple[str, User | Team, str]]:
    """The grants on a property as given, for revoking: ("team" | "user", grantee, "view" | "edit").

    "Who can see this" lists people; a grant to a team with no members yet shows only here.
    """
    if not actor.is_super_admin or definition.tenant_id != actor.tenant_id:
        raise PermissionDenied("Only a super admin of this tenant can see the grants.")
    team_perms = get_groups_with_perms(definition, attach_perms=True)
    teams = Team.objects.for_tenant(actor.tenant_id).filter(group__in=list(team_perms)).select_related("group")
    result: list[tuple[str, User | Team, str]] = [("team", team, _level(team_perms[team.group])) for team in teams]
    users = get_users_with_perms(definition, attach_perms=True, with_superusers=False, with_group_users=False)
    result += [("user", user, _level(perms)) for user, perms in users.items() if user.tenant_id == actor.tenant_id]
    return sorted(result, key=lambda row: (row[0], str(row[1]).lower()))


def user_access_list(*, actor: User, user: User) -> list[tuple[PropertyDefinition, str, str]]:
    """Every sensitive property `user` can view or edit: (property, level, through)."""
    if not actor.is_super_admin or user.tenant_id != actor.tenant_id:
        raise PermissionDenied("Only a super admin of this tenant can see who has access.")
    definitions = (
        PropertyDefinition.objects.filter(tenant_id=user.tenant_id)
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .select_related("object_type")
    )
    if user.is_super_admin:
        return [(definition, "edit", "super admin") for definition in definitions]
    result = []
    for definition in definitions:
        for line in property_access_list(actor=actor, definition=definition):
            if line.user.pk == user.pk:
                result.append((definition, line.level, line.through))
    return result


def _level(perms: list[str]) -> str:
    return "edit" if EDIT in perms else "view"
