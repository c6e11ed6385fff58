"""Sign-in security rules: who must use MFA, the tenant's session and MFA settings."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts.models import Tenant, User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import PropertyDefinition

MFA_NEEDED_FOR_SENSITIVE = (
    "Sensitive data needs every user of the organisation to sign in with a second factor. Turn on "
    "'Require MFA for all users' first (Settings, Security; or the tenant's page in the admin)."
)


DEFAULT_IDLE_MINUTES, DEFAULT_MAX_HOURS = 30, 12  # users without a tenant: platform operators


def now():
    """The clock of session timeouts; tests move it instead of sleeping."""
    return timezone.now()


def session_limits(user) -> tuple[int, int]:
    """(idle seconds, maximum age seconds) for this user's sessions."""
    tenant = user.tenant if user.tenant_id else None
    idle = tenant.session_idle_minutes if tenant else DEFAULT_IDLE_MINUTES
    max_hours = tenant.session_max_hours if tenant else DEFAULT_MAX_HOURS
    return idle * 60, max_hours * 3600


def lockout_parameters(request_or_attempt, credentials=None) -> list[str]:
    """django-axes' lockout parameters: an attempt recorded without an IP counts for its user only."""
    ip = getattr(request_or_attempt, "axes_ip_address", getattr(request_or_attempt, "ip_address", None))
    return ["username", "ip_address"] if ip else ["username"]


def lockout_username(request, credentials=None) -> str | None:
    """The username django-axes stores and counts: a known user's email, else a keyed hash of what was typed.

    People type passwords into the email field; the hash still counts repeated tries of one value.
    """
    typed = (credentials or {}).get("username") or getattr(request, "POST", {}).get("username") or ""
    email = typed.strip().lower()[:254]
    if not email:
        return None
    if User.objects.filter(email=email).exists():
        return email
    return "unknown:" + salted_hmac("accounts.security.lockout_username", email, algorithm="sha256").hexdigest()[:32]


def signed_in_failure_count(request, user: User) -> bool:
    """Count a signed-in user's wrong password or code (sudo, second factor) towards that user's lockout.

    Not towards the IP's: colleagues behind one office address would lock each other out of signing in.
    The password step, before anyone is known, still counts per IP as well. The attempt is recorded
    without an IP, which `lockout_parameters` counts for the username only. True when now locked out.
    """
    AxesProxyHandler.update_request(request)
    ip, request.axes_ip_address = request.axes_ip_address, None
    try:
        AxesProxyHandler.user_login_failed(sender=User, credentials={"username": user.email}, request=request)
    finally:
        request.axes_ip_address = ip
    return bool(request.axes_locked_out)


def holds_sensitive_grant(user: User) -> bool:
    content_type = ContentType.objects.get_for_model(PropertyDefinition)
    codenames = ["view_sensitive", "edit_sensitive"]
    return (
        UserObjectPermission.objects.filter(
            user=user, content_type=content_type, permission__codename__in=codenames
        ).exists()
        or GroupObjectPermission.objects.filter(
            group__user=user, content_type=content_type, permission__codename__in=codenames
        ).exists()
    )


def mfa_required(user: User) -> bool:
    """Operators, super admins, holders of sensitive grants always; everyone when the tenant says so."""
    if user.is_platform_operator or user.is_super_admin:
        return True
    if user.tenant_id and user.tenant.require_mfa:
        return True
    return holds_sensitive_grant(user)


def has_mfa_device(user: User) -> bool:
    return (
        any(True for _ in devices_for_user(user, confirmed=True))
        or user.backup_codes.filter(used_at__isnull=True).exists()
    )


def check_mfa_before_sensitive(tenant: Tenant) -> None:
    """The first sensitive property of a tenant needs MFA required for all its users."""
    # Read afresh: the actor's cached tenant may predate a settings change.
    if not Tenant.objects.filter(pk=tenant.pk, require_mfa=True).exists():
        raise ValidationError({"sensitivity": MFA_NEEDED_FOR_SENSITIVE})


@transaction.atomic
def tenant_security_update(
    *,
    actor: User,
    require_mfa: bool | None = None,
    session_idle_minutes: int | None = None,
    session_max_hours: int | None = None,
    sudo_minutes: int | None = None,
    audit_retention_days: int | None = None,
) -> Tenant:
    """Change the tenant's security settings (sign-in, sessions, audit retention): the one service of the
    one security page. Every value is checked against its range first; one save is one event."""
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin can change security settings.")
    tenant = Tenant.objects.select_for_update().get(pk=actor.tenant_id)
    changes = {
        name: value
        for name, value in {
            "require_mfa": require_mfa,
            "session_idle_minutes": session_idle_minutes,
            "session_max_hours": session_max_hours,
            "sudo_minutes": sudo_minutes,
            "audit_retention_days": audit_retention_days,
        }.items()
        if value is not None and getattr(tenant, name) != value
    }
    if changes.get("require_mfa") is False:
        if PropertyDefinition.objects.filter(tenant=tenant).exclude(sensitivity="none").exists():
            raise ValidationError({"require_mfa": "MFA stays required while any property is sensitive."})
    before = {name: getattr(tenant, name) for name in changes}
    for name, value in changes.items():
        setattr(tenant, name, value)
    tenant.full_clean(exclude=["name"])
    tenant.save(update_fields=[*changes, "updated_at"] if changes else ["updated_at"])
    if changes:
        audit_services.event_record(
            kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED, actor=actor, details={"before": before, "after": changes}
        )
    return tenant
