"""Tenants, users and teams."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from guardian.models import GroupObjectPermission

from accounts import invitations
from accounts.models import Team, Tenant, User
from audit import services as audit_services
from audit.models import AuditEvent
from crm import services as crm_services
from crm.records.visibility import visibility_forget
from sensitive import keys
from sensitive.grants import grants_changed


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"{email!r} is not a valid email address."}) from None
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": f"A user with the email {email} already exists."})
    return email


def _clean_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


@transaction.atomic
def tenant_create(
    *, name: str, admin_email: str, admin_password: str | None = None, actor: User | None = None
) -> tuple[Tenant, User]:
    """A tenant with its standard object types and properties, and its first super admin.

    Without `admin_password` (the way for real tenants) the admin is emailed an invitation and sets
    their own password; a password given here is for scripts, tests and the demo.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A tenant needs a name."})
    if Tenant.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A tenant named {name!r} already exists."})
    tenant = Tenant.objects.create(name=name)
    crm_services.tenant_schema_seed(tenant=tenant)
    keys.tenant_keys_create(tenant=tenant)
    admin = _user_create(tenant=tenant, email=admin_email, password=admin_password, role=User.Role.SUPER_ADMIN)
    audit_services.event_record(
        kind=AuditEvent.Kind.TENANT_CREATED,
        tenant=tenant,
        actor=actor,
        details={"name": tenant.name, "super_admin": admin.email},
    )
    if not admin_password:
        invitations.invitation_create(actor=actor, user=admin)
    return tenant, admin


def _user_create(*, tenant: Tenant, email: str, password: str | None, role: str, **fields) -> User:
    if role == User.Role.APP:  # an app's user comes only with its app (accounts.private_apps)
        raise ValidationError({"role": "Create a private app on the Private apps page instead."})
    email = _clean_email(email)
    user = User(tenant=tenant, email=email, role=role, is_staff=(role == User.Role.SUPER_ADMIN), **fields)
    if password:
        _clean_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_create(
    *,
    actor: User,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    role: str = User.Role.MEMBER,
) -> User:
    """A user of the actor's tenant; without a password (the way for real users) they are emailed an invitation."""
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can add users.")
    user = _user_create(
        tenant=actor.tenant, email=email, password=password, role=role, first_name=first_name, last_name=last_name
    )
    audit_services.event_record(
        kind=AuditEvent.Kind.USER_CREATED, actor=actor, details={"user": user.email, "role": user.role}
    )
    if user.role == User.Role.SUPER_ADMIN:
        grants_changed(tenant_id=actor.tenant_id)
        audit_services.event_record(kind=AuditEvent.Kind.SUPER_ADMIN_ADDED, actor=actor, details={"user": user.email})
    if not password:
        invitations.invitation_create(actor=actor, user=user)
    return user


@transaction.atomic
def team_create(*, actor: User, name: str) -> Team:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can create teams.")
    name = team_name_clean(actor=actor, name=name)
    team = Team(tenant=actor.tenant, name=name)
    # Group names are global in Django; the team's id keeps them apart across tenants.
    team.group = Group.objects.create(name=f"team:{team.id}")
    team.save()
    audit_services.event_record(kind=AuditEvent.Kind.TEAM_CREATED, actor=actor, details={"team": team.name})
    return team


def team_name_clean(*, actor: User, name: str, team: Team | None = None) -> str:
    """A team's name, stripped, that no other team of the actor's tenant has (in any case)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    others = Team.objects.for_tenant(actor.tenant_id).filter(name__iexact=name)
    if team is not None:
        others = others.exclude(pk=team.pk)
    if others.exists():
        raise ValidationError({"name": f"A team named {name!r} already exists."})
    return name


@transaction.atomic
def team_rename(*, actor: User, team: Team, name: str) -> Team:
    _check_team(actor, team)
    name = team_name_clean(actor=actor, name=name, team=team)
    before = team.name
    if name == before:
        return team
    team.name = name
    team.save(update_fields=["name", "updated_at"])
    # "Who can see this" names the team a grant comes through.
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(
        kind=AuditEvent.Kind.TEAM_RENAMED,
        actor=actor,
        details={"team_id": str(team.pk), "before": before, "team": team.name},
    )
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """A team, its group and every grant given to it, so that no former member keeps reading through it."""
    _check_team(actor, team)
    group = team.group
    members = sorted(group.user_set.values_list("email", flat=True))
    # guardian's object permissions point at the group by a real foreign key, but delete them by name:
    # a grant must never outlive the team it was given to, whatever the cascade does.
    GroupObjectPermission.objects.filter(group=group).delete()
    details = {"team": team.name, "team_id": str(team.pk), "members": members, "records": team.records.count()}
    team.delete()  # its records stay, without a team
    group.delete()
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(kind=AuditEvent.Kind.TEAM_DELETED, actor=actor, details=details)


def _check_team(actor: User, team: Team) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can change teams.")
    if team.tenant_id != actor.tenant_id:
        raise ValidationError({"team": "No such team in your organisation."})


@transaction.atomic
def team_member_add(*, actor: User, team: Team, user: User) -> None:
    _check_team_change(actor, team, user)
    user.groups.add(team.group)
    _team_changed(actor, AuditEvent.Kind.TEAM_MEMBER_ADDED, team, user)


@transaction.atomic
def team_member_remove(*, actor: User, team: Team, user: User) -> None:
    _check_team_change(actor, team, user)
    user.groups.remove(team.group)
    _team_changed(actor, AuditEvent.Kind.TEAM_MEMBER_REMOVED, team, user)


def _team_changed(actor: User, kind: str, team: Team, user: User) -> None:
    # Team membership carries grants on sensitive properties, and team record scopes.
    grants_changed(tenant_id=actor.tenant_id)
    visibility_forget(user)
    audit_services.event_record(
        kind=kind, actor=actor, details={"team": team.name, "team_id": str(team.pk), "user": user.email}
    )


def super_admin_list(*, actor: User):
    """Every super admin of the actor's tenant; visible to each of them."""
    if not actor.is_super_admin:
        raise PermissionDenied("Only super admins see the list of super admins.")
    return User.objects.filter(tenant_id=actor.tenant_id, role=User.Role.SUPER_ADMIN).order_by("email")


@transaction.atomic
def super_admin_add(*, actor: User, user: User) -> User:
    _check_role_change(actor, user)
    if user.role == User.Role.SUPER_ADMIN:
        return user
    user.role, user.is_staff = User.Role.SUPER_ADMIN, True
    user.save(update_fields=["role", "is_staff"])
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(kind=AuditEvent.Kind.SUPER_ADMIN_ADDED, actor=actor, details={"user": user.email})
    return user


@transaction.atomic
def super_admin_remove(*, actor: User, user: User) -> User:
    _check_role_change(actor, user)
    if user.role != User.Role.SUPER_ADMIN:
        return user
    _check_keeps_a_super_admin(actor, user, "role")
    user.role, user.is_staff = User.Role.MEMBER, False
    user.save(update_fields=["role", "is_staff"])
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(kind=AuditEvent.Kind.SUPER_ADMIN_REMOVED, actor=actor, details={"user": user.email})
    return user


def _check_keeps_a_super_admin(actor: User, user: User, field: str) -> None:
    others = User.objects.filter(tenant_id=actor.tenant_id, role=User.Role.SUPER_ADMIN, is_active=True).exclude(
        pk=user.pk
    )
    if not others.exists():
        raise ValidationError({field: "A tenant needs at least one active super admin; make another one first."})


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """The user can no longer sign in and is signed out everywhere; their rows and history stay."""
    _check_user_change(actor, user)
    if not user.is_active:
        return user
    if user.role == User.Role.SUPER_ADMIN:
        _check_keeps_a_super_admin(actor, user, "is_active")
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)
    # A deactivated super admin no longer counts; grants loaded for them are stale.
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(kind=AuditEvent.Kind.USER_DEACTIVATED, actor=actor, details={"user": user.email})
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """The user may sign in again, with the role, teams and grants they had."""
    _check_user_change(actor, user)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    grants_changed(tenant_id=actor.tenant_id)
    audit_services.event_record(kind=AuditEvent.Kind.USER_REACTIVATED, actor=actor, details={"user": user.email})
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, email: str, first_name: str, last_name: str, time_zone: str) -> User:
    """A user's email (their sign-in name), names and time zone; a change of email or name is a security event."""
    _check_user_change(actor, user)
    email = (email or "").strip().lower()
    if email != user.email:
        email = _clean_email(email)
    new = {"email": email, "first_name": (first_name or "").strip(), "last_name": (last_name or "").strip()}
    changed = [field for field, value in new.items() if getattr(user, field) != value]
    zone_changed = bool(time_zone) and time_zone != user.time_zone
    if not changed and not zone_changed:
        return user
    for field, value in new.items():
        setattr(user, field, value)
    if zone_changed:
        user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*changed, *(["time_zone"] if zone_changed else [])])
    if changed:
        audit_services.event_record(
            kind=AuditEvent.Kind.USER_CHANGED, actor=actor, details={"user": user.email, "changed": changed}
        )
    return user


def _check_user_change(actor: User, user: User) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can change users.")
    # A private app's user is no person: its app's page (accounts.private_apps) changes or revokes it.
    if user.tenant_id != actor.tenant_id or user.is_app:
        raise ValidationError({"user": "No such user in your organisation."})


def _check_role_change(actor: User, user: User) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can add or remove super admins.")
    if user.tenant_id != actor.tenant_id or user.is_app:
        raise ValidationError({"user": "No such user in your organisation."})


def _check_team_change(actor: User, team: Team, user: User) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can change teams.")
    if team.tenant_id != actor.tenant_id or user.tenant_id != actor.tenant_id or user.is_app:
        raise ValidationError("The team and the user must both belong to your tenant.")


def user_sessions_end(*, user: User, keep_request=None) -> None:
    """End every session of `user` (at its next request), except the one of `keep_request` if given.

    The session auth hash includes `session_generation`, so one UPDATE ends sessions on every
    server without scanning the session store.
    """
    User.objects.filter(pk=user.pk).update(session_generation=models.F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    if keep_request is not None and keep_request.user.pk == user.pk:
        update_session_auth_hash(keep_request, user)


@transaction.atomic
def user_password_change(*, actor: User, password: str, keep_request=None) -> None:
    """The actor's own new password (Django's validators apply); a security event; their other sessions end."""
    _clean_password(password, actor)
    actor.set_password(password)
    actor.save(update_fields=["password"])
    audit_services.event_record(kind=AuditEvent.Kind.PASSWORD_CHANGED, actor=actor)
    user_sessions_end(user=actor, keep_request=keep_request)
