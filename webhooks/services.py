"""Managing an app's webhooks: the target URL and limits, the signing secret, the subscriptions.

A super admin of the app's tenant does it (the settings UI); each change is a security event of
the tenant, naming the app, the URL and the subscriptions, never the secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import scopes as api_scopes
from accounts.models import PrivateApp, User
from audit import services as audit_services
from audit.models import AuditEvent
from core.numbers import numbers_next
from core.outbound import url_check
from crm.models import ObjectType, PropertyDefinition
from webhooks import signing_secrets
from webhooks.models import Subscription, WebhookSettings

MAX_BATCH = 100  # HubSpot sends at most 100 events in one request
MAX_CONCURRENT = 100


@dataclass(frozen=True)
class Wanted:
    """One subscription as asked for: HubSpot's (objectType, eventType, propertyName)."""

    object_type: ObjectType
    event_type: str
    property_name: str = ""

    @property
    def key(self) -> tuple:
        return (self.object_type.pk, self.event_type, self.property_name)


def _check(actor: User | None, app: PrivateApp) -> None:
    # actor None: the command line; the app's own user: its token, through the webhooks API.
    own = actor is not None and actor.pk == app.user_id
    if actor is not None and not own and not (actor.is_super_admin and actor.tenant_id == app.tenant_id):
        raise PermissionDenied("Only a super admin of the organisation can manage its apps' webhooks.")
    if app.is_revoked:
        raise ValidationError({"app": f"{app.name} is revoked: it gets no webhooks."})


def _event(actor: User | None, app: PrivateApp, kind: str, **details) -> None:
    audit_services.event_record(kind=kind, tenant=app.tenant, actor=actor, details={"app": app.name, **details})


def webhook_settings_of(app: PrivateApp) -> WebhookSettings | None:
    return WebhookSettings.objects.filter(app=app).first()


def _clean_whole(name: str, value, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: "Give a whole number."}) from None
    if not 1 <= number <= high:
        raise ValidationError({name: f"Give a number from 1 to {high}."})
    return number


@sensitive_variables("secret")
@transaction.atomic
def webhook_settings_save(
    *,
    actor: User | None,
    app: PrivateApp,
    target_url: str,
    max_concurrent_requests: int = 10,
    batch_size: int = MAX_BATCH,
    paused: bool = False,
) -> tuple[WebhookSettings, str | None]:
    """Saves where the app's events go; the first save makes the signing secret, returned that once."""
    _check(actor, app)
    target_url = (target_url or "").strip()
    if len(target_url) > 500:
        raise ValidationError({"target_url": "Use at most 500 characters."})
    try:
        url_check(target_url)
    except ValidationError as exc:
        raise ValidationError({"target_url": exc.messages[0]}) from None
    concurrent = _clean_whole("max_concurrent_requests", max_concurrent_requests, MAX_CONCURRENT)
    batch = _clean_whole("batch_size", batch_size, MAX_BATCH)
    found = webhook_settings_of(app)
    before = {"target_url": found.target_url, "paused": found.paused} if found else None
    secret = None
    if found is None:
        found = WebhookSettings(tenant_id=app.tenant_id, app=app, number=numbers_next(1)[0])
        secret = signing_secrets.secret_new()
        _secret_set(found, app, secret)
    found.target_url, found.max_concurrent_requests, found.batch_size, found.paused = (
        target_url,
        concurrent,
        batch,
        paused,
    )
    found.save()
    _event(actor, app, AuditEvent.Kind.WEBHOOKS_CHANGED, target_url=target_url, paused=paused, before=before)
    return found, secret


def _secret_set(found: WebhookSettings, app: PrivateApp, secret: str) -> None:
    found.secret_sealed, found.secret_ref = signing_secrets.secret_seal(app.pk, secret)
    found.secret_hint = secret[-4:]


@sensitive_variables("secret")
@transaction.atomic
def webhook_secret_rotate(*, actor: User | None, app: PrivateApp) -> str:
    """A new signing secret, used from the next request on; returned this once, stored sealed."""
    _check(actor, app)
    found = webhook_settings_of(app)
    if found is None:
        raise ValidationError({"target_url": "Save a target URL first: the secret comes with it."})
    secret = signing_secrets.secret_new()
    _secret_set(found, app, secret)
    found.secret_rotated_at = timezone.now()
    found.save(update_fields=["secret_sealed", "secret_ref", "secret_hint", "secret_rotated_at", "updated_at"])
    _event(actor, app, AuditEvent.Kind.WEBHOOKS_SECRET_ROTATED)
    return secret


@sensitive_variables("secret")
def webhook_secrets_reseal(*, target) -> int:
    """Every app's signing secret sealed again under `target` (the master key's rotation); the
    secrets stay as they are. Resumable: a second run seals them again."""
    resealed = 0
    for pk in WebhookSettings.objects.exclude(secret_sealed=b"").values_list("pk", flat=True):
        with transaction.atomic():
            found = WebhookSettings.objects.select_for_update().get(pk=pk)
            secret = webhook_secret_of(found)
            found.secret_sealed, found.secret_ref = signing_secrets.secret_seal(found.app_id, secret, target)
            found.save(update_fields=["secret_sealed", "secret_ref"])
        resealed += 1
    return resealed


def webhook_secret_of(found: WebhookSettings) -> str:
    """The secret to sign with (a worker, in memory only)."""
    return signing_secrets.secret_open(found.app_id, found.secret_sealed, found.secret_ref)


def subscription_check(*, app: PrivateApp, wanted: Wanted) -> None:
    """ValidationError unless the app may subscribe to this: a known event, a live property of the
    type for a property change, and the app's read scope on the object type (HubSpot asks for it)."""
    object_type = wanted.object_type
    if object_type.tenant_id != app.tenant_id or object_type.archived_at is not None:
        raise ValidationError({"objectType": "There is no such object type."})
    if wanted.event_type not in Subscription.EventType.values:
        raise ValidationError({"eventType": f"{wanted.event_type[:60]!r} is not creation, deletion or propertyChange."})
    if wanted.event_type == Subscription.EventType.PROPERTY_CHANGE:
        known = PropertyDefinition.objects.filter(
            object_type=object_type, name=wanted.property_name, archived_at__isnull=True
        ).exists()
        if not known:
            raise ValidationError(
                {"propertyName": f"{object_type.label_plural} have no property {wanted.property_name[:100]!r}."}
            )
    elif wanted.property_name:
        raise ValidationError({"propertyName": "Only a propertyChange subscription names a property."})
    if not app_reads(app, object_type):
        raise ValidationError(
            {"objectType": f"{app.name} has no scope to read {object_type.label_plural.lower()}: add it first."}
        )


def app_reads(app: PrivateApp, object_type: ObjectType) -> bool:
    """Whether the app's scopes let it read the type's records (then it may get their events)."""
    needed = api_scopes.object_scopes_needed(object_type.name, is_standard=object_type.is_standard, access="read")
    return api_scopes.may(app.scopes, needed)


@transaction.atomic
def subscriptions_set(*, actor: User | None, app: PrivateApp, wanted: Iterable[Wanted]) -> list[Subscription]:
    """The app's active subscriptions become exactly `wanted`: new ones are made, others paused."""
    _check(actor, app)
    wanted = {w.key: w for w in wanted}
    for w in wanted.values():
        subscription_check(app=app, wanted=w)
    existing = {(s.object_type_id, s.event_type, s.property_name): s for s in Subscription.objects.filter(app=app)}
    missing = [key for key in wanted if key not in existing]
    for key, number in zip(missing, numbers_next(len(missing)), strict=True):
        w = wanted[key]
        existing[key] = Subscription.objects.create(
            tenant_id=app.tenant_id,
            app=app,
            number=number,
            object_type=w.object_type,
            event_type=w.event_type,
            property_name=w.property_name,
        )
    for key, subscription in existing.items():
        active = key in wanted
        if subscription.active != active:
            subscription.active = active
            subscription.save(update_fields=["active", "updated_at"])
    names = sorted(
        subscription_type_of(w.object_type, w.event_type) + (f" {w.property_name}" if w.property_name else "")
        for w in wanted.values()
    )
    _event(actor, app, AuditEvent.Kind.WEBHOOKS_CHANGED, subscriptions=names)
    return [s for key, s in existing.items() if key in wanted]


HUBSPOT_OBJECT_NAMES = {"contacts": "contact", "companies": "company", "deals": "deal", "tickets": "ticket"}


def subscription_type_of(object_type: ObjectType, event_type: str) -> str:
    """HubSpot's subscriptionType: "contact.propertyChange"; "object.creation" for a custom type."""
    name = HUBSPOT_OBJECT_NAMES.get(object_type.name) if object_type.is_standard else None
    return f"{name or 'object'}.{event_type}"


def _described(subscription: Subscription) -> str:
    kind = subscription_type_of(subscription.object_type, subscription.event_type)
    return f"{kind} {subscription.property_name}".strip()


@transaction.atomic
def subscription_create(*, actor: User | None, app: PrivateApp, wanted: Wanted, active: bool = True) -> Subscription:
    """One new subscription (HubSpot's POST /webhooks/v3/{appId}/subscriptions)."""
    _check(actor, app)
    subscription_check(app=app, wanted=wanted)
    same = Subscription.objects.filter(
        app=app, object_type=wanted.object_type, event_type=wanted.event_type, property_name=wanted.property_name
    ).first()
    if same is not None:
        raise ValidationError({"eventType": f"The app has this subscription already (id {same.number})."})
    subscription = Subscription.objects.create(
        tenant_id=app.tenant_id,
        app=app,
        number=numbers_next(1)[0],
        object_type=wanted.object_type,
        event_type=wanted.event_type,
        property_name=wanted.property_name,
        active=active,
    )
    _event(actor, app, AuditEvent.Kind.WEBHOOKS_CHANGED, created=_described(subscription), active=active)
    return subscription


@transaction.atomic
def subscription_update(
    *, actor: User | None, app: PrivateApp, subscription: Subscription, active: bool
) -> Subscription:
    """Pauses or resumes one subscription; resuming checks the app's scope again."""
    _check(actor, app)
    if active and not app_reads(app, subscription.object_type):
        subscription_check(
            app=app, wanted=Wanted(subscription.object_type, subscription.event_type, subscription.property_name)
        )
    if subscription.active != active:
        subscription.active = active
        subscription.save(update_fields=["active", "updated_at"])
        _event(actor, app, AuditEvent.Kind.WEBHOOKS_CHANGED, changed=_described(subscription), active=active)
    return subscription


@transaction.atomic
def subscription_delete(*, actor: User | None, app: PrivateApp, subscription: Subscription) -> None:
    _check(actor, app)
    _event(actor, app, AuditEvent.Kind.WEBHOOKS_CHANGED, deleted=_described(subscription))
    subscription.delete()
