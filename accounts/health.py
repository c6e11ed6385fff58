"""The security health check: each check is one small function in one registry.

A check returns a Result: its state ("ok", "warning", "failing"), what was found, the action
that fixes it, and where (a URL path) that is done. A new check is one decorated function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import checks as django_checks
from django.utils import timezone
from guardian.shortcuts import get_groups_with_perms

from accounts.models import Tenant, User
from accounts.security import has_mfa_device, holds_sensitive_grant
from audit import selectors as audit_selectors
from audit.models import AuditEvent
from crm.models import PropertyDefinition
from sensitive.models import TenantKeyset

OK, WARNING, FAILING = "ok", "warning", "failing"


@dataclass
class Result:
    title: str
    state: str
    found: str
    action: str = ""
    link: str = ""
    details: list[str] = field(default_factory=list)


Check = Callable[[Tenant], Result]
REGISTRY: list[Check] = []


def check(function: Check) -> Check:
    REGISTRY.append(function)
    return function


def run_checks(*, tenant: Tenant) -> list[Result]:
    return [function(tenant) for function in REGISTRY]


def _users(tenant: Tenant):
    return User.objects.people().filter(tenant=tenant, is_active=True)


@check
def mfa_required_for_all(tenant: Tenant) -> Result:
    if tenant.require_mfa:
        return Result("MFA required for all users", OK, "Every user signs in with a second factor.")
    return Result(
        "MFA required for all users",
        FAILING,
        "Users without sensitive grants may sign in with a password alone.",
        "Turn on 'Require MFA for all users'.",
        "/settings/security/",
    )


@check
def users_without_mfa(tenant: Tenant) -> Result:
    missing = [user.email for user in _users(tenant) if not has_mfa_device(user)]
    if not missing:
        return Result("Users without MFA", OK, "Every active user has a second factor.")
    return Result(
        "Users without MFA",
        WARNING,
        f"{len(missing)} users have no second factor yet; they must enrol at their next sign-in.",
        "Ask them to sign in and enrol, or deactivate accounts no longer used.",
        "/admin/accounts/user/",
        missing,
    )


@check
def super_admin_count(tenant: Tenant) -> Result:
    users = _users(tenant)
    admins = [user.email for user in users.filter(role=User.Role.SUPER_ADMIN)]
    limit = min(3, max(1, int(users.count() * 0.10))) if users.count() > 10 else 3
    if len(admins) <= limit:
        return Result("Number of super admins", OK, f"{len(admins)} super admins.", details=admins)
    return Result(
        "Number of super admins",
        WARNING,
        f"{len(admins)} super admins: more than 3 or more than 10% of users. Each can read every sensitive value.",
        "Remove the super admin role from those who don't need it.",
        "/admin/accounts/user/?role__exact=super_admin",
        admins,
    )


@check
def inactivity_timeout(tenant: Tenant) -> Result:
    if tenant.session_idle_minutes <= 60:
        return Result("Inactivity timeout", OK, f"Idle sessions end after {tenant.session_idle_minutes} minutes.")
    return Result(
        "Inactivity timeout",
        WARNING,
        f"Idle sessions last {tenant.session_idle_minutes} minutes.",
        "Set the inactivity timeout to 60 minutes or less.",
        "/settings/security/",
    )


@check
def sensitive_properties_everyone_sees(tenant: Tenant) -> Result:
    everyone = set(_users(tenant).exclude(role=User.Role.SUPER_ADMIN).values_list("pk", flat=True))
    exposed = []
    for definition in PropertyDefinition.objects.filter(tenant=tenant).exclude(sensitivity="none"):
        for group in get_groups_with_perms(definition):
            members = set(Group.objects.get(pk=group.pk).user_set.values_list("pk", flat=True))
            if everyone and everyone <= members:
                exposed.append(f"{definition.label} (through team {getattr(group, 'team', group)})")
    if not exposed:
        return Result("Sensitive properties everyone can see", OK, "No sensitive property is granted to everyone.")
    return Result(
        "Sensitive properties everyone can see",
        FAILING,
        "A team that contains every user has a grant.",
        "Grant to a smaller team, or to people by name.",
        "/admin/crm/propertydefinition/",
        exposed,
    )


@check
def dormant_grant_holders(tenant: Tenant) -> Result:
    cutoff = timezone.now() - dt.timedelta(days=90)
    dormant = [
        user.email
        for user in _users(tenant).exclude(role=User.Role.SUPER_ADMIN)
        if (user.last_login is None or user.last_login < cutoff) and holds_sensitive_grant(user)
    ]
    if not dormant:
        return Result("Sensitive grants of users who don't sign in", OK, "Everyone with a grant signed in lately.")
    return Result(
        "Sensitive grants of users who don't sign in",
        WARNING,
        f"{len(dormant)} users with sensitive grants have not signed in for 90 days.",
        "Revoke their grants or deactivate them.",
        "/admin/accounts/user/",
        dormant,
    )


@check
def tenant_key_age(tenant: Tenant) -> Result:
    keyset = TenantKeyset.objects.filter(tenant=tenant).first()
    if keyset is None:
        return Result("Encryption key age", FAILING, "This tenant has no encryption keys.", "Recreate the tenant.")
    since = keyset.rotated_at or keyset.created_at
    age = (timezone.now() - since).days
    if age <= 365:
        return Result("Encryption key age", OK, f"The tenant key is {age} days old.")
    return Result(
        "Encryption key age",
        WARNING,
        f"The tenant key is {age} days old.",
        f"Rotate it: python manage.py rotate_tenant_key '{tenant.name}'.",
    )


@check
def deployment(tenant: Tenant) -> Result:
    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on: set DJANGO_DEBUG=false.")
    if not settings.SECURE_HSTS_SECONDS:
        problems.append("HSTS is off: set DJANGO_HSTS_SECONDS=31536000 behind HTTPS.")
    if not settings.SESSION_COOKIE_SECURE:
        problems.append("Cookies may travel over plain HTTP: set DJANGO_SECURE_COOKIES=true.")
    if not settings.SECURE_SSL_REDIRECT:
        problems.append("HTTP is not redirected to HTTPS: set DJANGO_SSL_REDIRECT=true.")
    deploy = [m for m in django_checks.run_checks(include_deployment_checks=True) if m.level >= django_checks.WARNING]
    problems += [
        f"{message.id}: {message.msg.splitlines()[0]}" for message in deploy if message.id.startswith("security")
    ]
    problems = sorted(set(problems))
    if not problems:
        return Result("Deployment settings", OK, "DEBUG off, HTTPS enforced, secure cookies, HSTS.")
    return Result(
        "Deployment settings",
        FAILING,
        f"{len(problems)} deployment settings are unsafe.",
        "Set the environment variables listed (see the README's production setup).",
        "",
        problems,
    )


VERIFIED_WITHIN = dt.timedelta(days=2)


@check
def audit_chain_intact(tenant: Tenant) -> Result:
    title = "Audit chain"
    latest = audit_selectors.chain_verification_latest(tenant=tenant)
    if latest is not None and latest.kind == AuditEvent.Kind.AUDIT_CHAIN_BROKEN:
        when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M")
        return Result(
            title,
            FAILING,
            f"The verification of {when} found the audit chain broken at event #{latest.details.get('seq')}: "
            f"{latest.details.get('reason')}. Events were changed, removed or forged in the database.",
            "Treat it as a security incident: find who could write to the database, compare with backups and "
            f"archives, and run python manage.py audit_verify --tenant '{tenant.name}'.",
            "/audit/",
        )
    if latest is None or timezone.now() - latest.created_at > VERIFIED_WITHIN:
        return Result(
            title,
            WARNING,
            "The audit chain was not verified in the last two days.",
            "Run Celery beat (it verifies every night) or python manage.py audit_verify.",
        )
    return Result(title, OK, f"Verified intact at {timezone.localtime(latest.created_at):%Y-%m-%d %H:%M}.")
