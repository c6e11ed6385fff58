"""Private apps: an integration's named access to one tenant through the REST API.

A super admin creates an app with HubSpot's scopes (accounts/scopes.py), sees its token once, and
can change its scopes, rotate its token and revoke it; each of those is a security event. Beyond
HubSpot, an app can be limited to named sensitive properties, given an expiry date and restricted
to IP ranges.

The token (`pat-crm1-...`, 256 random bits) is stored as an HMAC keyed by the SECRET_KEY: a copy of
the table opens no tenant, and rotating the SECRET_KEY keeps tokens working while the old key is in
SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts import scopes as api_scopes
from accounts.models import PrivateApp, User
from audit import services as audit_services
from audit.models import AuditEvent
from core.exceptions import ApplicationError
from crm.models import PropertyDefinition
from sensitive.grants import grants_changed

TOKEN_PREFIX = "pat-crm1-"  # noqa: S105 (a prefix, not a secret)
TOKEN_HASH_SALT = "accounts.private_apps.token"  # noqa: S105 (an HMAC salt name)
APP_EMAIL_DOMAIN = "apps.invalid"  # RFC 2606: never a mailbox, so an app's user can't be invited or mailed
LAST_USED_EVERY_SECONDS = 60  # how stale "last used" may be: not one write per request


class TokenRefused(ApplicationError):
    """The token is unknown, revoked, expired or used from an address the app does not allow."""


def token_hash(token: str, secret: str | None = None) -> str:
    return salted_hmac(TOKEN_HASH_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def _token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _check_super_admin(actor: User | None, tenant_id) -> None:
    # actor None: the command line, run by whoever runs the server.
    if actor is not None and not (actor.is_super_admin and actor.tenant_id == tenant_id):
        raise PermissionDenied("Only a super admin of the organisation can manage its private apps.")


@dataclass(frozen=True)
class AppSettings:
    """What a super admin chooses for an app, cleaned."""

    scopes: list[str]
    sensitive_allowlist: list[str]
    allowed_ip_ranges: list[str]
    expires_at: object  # datetime or None


def _clean_allowlist(tenant_id, names: Iterable[str]) -> list[str]:
    names = sorted({name.strip() for name in names if name.strip()})
    if not names:
        return []
    known = {
        f"{type_name}.{name}"
        for type_name, name in PropertyDefinition.objects.filter(tenant_id=tenant_id)
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .values_list("object_type__name", "name")
    }
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValidationError(
            {"sensitive_allowlist": f"{unknown[0][:130]!r} is not a sensitive property (write it as contacts.salary)."}
        )
    return names


def private_app_allowlist_choices(*, actor: User) -> list[tuple[str, str]]:
    """("contacts.annual_salary", "Contacts · Annual salary (sensitive)") for each sensitive property of
    the actor's tenant: what an allowlist may name."""
    _check_super_admin(actor, actor.tenant_id)
    definitions = (
        PropertyDefinition.objects.filter(tenant_id=actor.tenant_id)
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .select_related("object_type")
        .order_by("object_type__position", "object_type__label_plural", "label")
    )
    return [
        (
            f"{d.object_type.name}.{d.name}",
            f"{d.object_type.label_plural} · {d.label} ({d.get_sensitivity_display().lower()})",
        )
        for d in definitions
    ]


def expiry_of(day: dt.date, time_zone: str = "UTC") -> dt.datetime:
    """An expiry date as the moment the token stops working: the end of that day in `time_zone`."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def _clean_ip_ranges(ranges: Iterable[str]) -> list[str]:
    cleaned = []
    for text in ranges:
        text = text.strip()
        if not text:
            continue
        try:
            cleaned.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValidationError(
                {"allowed_ip_ranges": f"{text[:60]!r} is not an IP address or range (such as 203.0.113.0/24)."}
            ) from None
    return sorted(set(cleaned))


def _clean(tenant_id, scopes, sensitive_allowlist, allowed_ip_ranges, expires_at) -> AppSettings:
    try:
        cleaned_scopes = api_scopes.scopes_clean(scopes)
    except api_scopes.UnknownScope as exc:
        raise ValidationError({"scopes": str(exc)}) from None
    if not cleaned_scopes:
        raise ValidationError({"scopes": "Pick at least one scope."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry date must be in the future."})
    return AppSettings(
        cleaned_scopes,
        _clean_allowlist(tenant_id, sensitive_allowlist),
        _clean_ip_ranges(allowed_ip_ranges),
        expires_at,
    )


def _clean_name(tenant_id, name: str, app: PrivateApp | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "An app needs a name."})
    if len(name) > 100:
        raise ValidationError({"name": "Use at most 100 characters."})
    same = PrivateApp.objects.filter(tenant_id=tenant_id, name__iexact=name)
    if app is not None:
        same = same.exclude(pk=app.pk)
    if same.exists():
        raise ValidationError({"name": f"An app named {name!r} already exists."})
    return name


def _describe(app: PrivateApp) -> dict:
    return {
        "app": app.name,
        "scopes": app.scopes,
        "sensitive_allowlist": app.sensitive_allowlist,
        "allowed_ip_ranges": app.allowed_ip_ranges,
        "expires_at": app.expires_at.isoformat() if app.expires_at else None,
    }


def _event(actor: User | None, app: PrivateApp, kind: str, **details) -> None:
    audit_services.event_record(
        kind=kind, tenant=app.tenant, actor=actor, details={**_describe(app), **details}, record_ids=()
    )


@transaction.atomic
def private_app_create(
    *,
    actor: User | None,
    tenant,
    name: str,
    scopes: Iterable[str],
    description: str = "",
    sensitive_allowlist: Iterable[str] = (),
    allowed_ip_ranges: Iterable[str] = (),
    expires_at=None,
) -> tuple[PrivateApp, str]:
    """A new app and its token, which is shown this once and never stored."""
    _check_super_admin(actor, tenant.pk)
    name = _clean_name(tenant.pk, name)
    chosen = _clean(tenant.pk, scopes, sensitive_allowlist, allowed_ip_ranges, expires_at)
    user = User(
        email=f"app-{uuid.uuid4().hex}@{APP_EMAIL_DOMAIN}", tenant=tenant, role=User.Role.APP, first_name=name[:100]
    )
    user.set_unusable_password()
    user.save()
    token = _token_new()
    app = PrivateApp.objects.create(
        tenant=tenant,
        name=name,
        description=(description or "").strip()[:500],
        user=user,
        token_hash=token_hash(token),
        token_hint=token[-4:],
        scopes=chosen.scopes,
        sensitive_allowlist=chosen.sensitive_allowlist,
        allowed_ip_ranges=chosen.allowed_ip_ranges,
        expires_at=chosen.expires_at,
        created_by=actor,
    )
    _event(actor, app, AuditEvent.Kind.APP_CREATED)
    return app, token


@transaction.atomic
def private_app_update(
    *,
    actor: User | None,
    app: PrivateApp,
    name: str | None = None,
    description: str | None = None,
    scopes: Iterable[str] | None = None,
    sensitive_allowlist: Iterable[str] | None = None,
    allowed_ip_ranges: Iterable[str] | None = None,
    expires_at=...,
) -> PrivateApp:
    """Change what the app may do; arguments left out keep their value. Seen on its next request."""
    _check_super_admin(actor, app.tenant_id)
    if app.is_revoked:
        raise ValidationError({"app": f"{app.name} is revoked: create a new app instead."})
    before = _describe(app)
    chosen = _clean(
        app.tenant_id,
        app.scopes if scopes is None else scopes,
        app.sensitive_allowlist if sensitive_allowlist is None else sensitive_allowlist,
        app.allowed_ip_ranges if allowed_ip_ranges is None else allowed_ip_ranges,
        app.expires_at if expires_at is ... else expires_at,
    )
    if name is not None:
        app.name = _clean_name(app.tenant_id, name, app)
        app.user.first_name = app.name
        app.user.save(update_fields=["first_name"])
    if description is not None:
        app.description = description.strip()[:500]
    app.scopes, app.sensitive_allowlist = chosen.scopes, chosen.sensitive_allowlist
    app.allowed_ip_ranges, app.expires_at = chosen.allowed_ip_ranges, chosen.expires_at
    app.save()
    grants_changed(tenant_id=app.tenant_id)  # its sensitive reach comes from its scopes
    _event(actor, app, AuditEvent.Kind.APP_CHANGED, before=before)
    return app


@transaction.atomic
def private_app_rotate(*, actor: User | None, app: PrivateApp) -> str:
    """A new token; the old one stops working at once. Returned this once, never stored."""
    _check_super_admin(actor, app.tenant_id)
    if app.is_revoked:
        raise ValidationError({"app": f"{app.name} is revoked: create a new app instead."})
    token = _token_new()
    app.token_hash, app.token_hint, app.rotated_at = token_hash(token), token[-4:], timezone.now()
    app.save(update_fields=["token_hash", "token_hint", "rotated_at", "updated_at"])
    _event(actor, app, AuditEvent.Kind.APP_TOKEN_ROTATED)
    return token


@transaction.atomic
def private_app_revoke(*, actor: User | None, app: PrivateApp) -> PrivateApp:
    """The token stops working for good; the app and its history stay, for the audit trail."""
    _check_super_admin(actor, app.tenant_id)
    if app.is_revoked:
        return app
    app.revoked_at = timezone.now()
    app.save(update_fields=["revoked_at", "updated_at"])
    User.objects.filter(pk=app.user_id).update(is_active=False)
    grants_changed(tenant_id=app.tenant_id)
    _event(actor, app, AuditEvent.Kind.APP_REVOKED)
    return app


def private_app_list(*, actor: User):
    _check_super_admin(actor, actor.tenant_id)
    return PrivateApp.objects.for_tenant(actor.tenant_id).select_related("created_by").order_by("name")


def private_app_get(*, actor: User, app_id) -> PrivateApp:
    _check_super_admin(actor, actor.tenant_id)
    try:
        return PrivateApp.objects.for_tenant(actor.tenant_id).get(pk=uuid.UUID(str(app_id)))
    except (ValueError, PrivateApp.DoesNotExist):
        raise PrivateApp.DoesNotExist("No such app.") from None


def _ip_allowed(app: PrivateApp, ip: str | None) -> bool:
    if not app.allowed_ip_ranges:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in app.allowed_ip_ranges)


def private_app_authenticate(*, token: str, ip: str | None) -> PrivateApp:
    """The app a token belongs to, if it may be used now and from `ip`; TokenRefused otherwise.

    The messages are HubSpot-like and never tell a stranger whether an app exists; a refusal of a
    known app's token (expired, revoked, wrong address) is a security event of its tenant.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise TokenRefused("The access token is not valid.")
    hashes = [token_hash(token, secret) for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
    app = PrivateApp.objects.filter(token_hash__in=hashes).select_related("user", "tenant").first()
    if app is None:
        raise TokenRefused("The access token is not valid.")
    now = timezone.now()
    reason = ""
    if app.is_revoked or not app.user.is_active:
        reason = "revoked"
    elif app.expires_at is not None and app.expires_at <= now:
        reason = "expired"
    elif not _ip_allowed(app, ip):
        reason = "address not allowed"
    if reason:
        audit_services.event_record(
            kind=AuditEvent.Kind.APP_TOKEN_REFUSED,
            tenant=app.tenant,
            actor=app.user,
            details={"app": app.name, "reason": reason},
        )
        raise TokenRefused(
            "The access token is not allowed from this address."
            if reason == "address not allowed"
            else f"The access token is {reason}."
        )
    if (
        app.last_used_at is None
        or (now - app.last_used_at).total_seconds() > LAST_USED_EVERY_SECONDS
        or (app.last_used_ip != ip)
    ):
        PrivateApp.objects.filter(pk=app.pk).update(last_used_at=now, last_used_ip=ip)
        app.last_used_at, app.last_used_ip = now, ip
    app.user.private_app = app  # no second query when the grants are loaded
    return app
