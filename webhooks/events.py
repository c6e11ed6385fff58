"""From a record change to deliveries: which subscriptions match, which apps may know, what each
event says.

An app gets an event only if its scopes let it read the object type and its record scope holds the
record (checked through the record layer, as the app's own user). A property change of a plain
property carries the new value, read through `record_views` as the app; a sensitive property's
value is the string "REDACTED", as HubSpot sends it, and is never read: the receiver reads it
through the API with its own token and scopes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import PrivateApp, User
from core.numbers import numbers_next
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import api as records_api
from crm.records import events as record_events
from webhooks.models import Delivery, Subscription, WebhookSettings
from webhooks.services import app_reads, subscription_type_of

REDACTED = "REDACTED"
EVENT_TYPE_OF_CHANGE = {
    record_events.CREATED: Subscription.EventType.CREATION,
    record_events.UPDATED: Subscription.EventType.PROPERTY_CHANGE,
    record_events.ARCHIVED: Subscription.EventType.DELETION,
    record_events.DELETED: Subscription.EventType.DELETION,
}
CHANGE_FLAGS = {Subscription.EventType.CREATION: "NEW", Subscription.EventType.DELETION: "DELETED"}


def subscriptions_matching(*, tenant_id, object_type_id, change: str, properties: Iterable[str] = ()):
    """The active subscriptions of live apps with webhook settings that a change concerns."""
    event_type = EVENT_TYPE_OF_CHANGE.get(change)
    if event_type is None:
        return Subscription.objects.none()
    found = Subscription.objects.filter(
        tenant_id=tenant_id,
        object_type_id=object_type_id,
        event_type=event_type,
        active=True,
        app__revoked_at__isnull=True,
        app__webhook_settings__isnull=False,
        app__webhook_settings__paused=False,
    )
    if event_type == Subscription.EventType.PROPERTY_CHANGE:
        found = found.filter(property_name__in=list(properties))
    return found


def _app_live(app: PrivateApp) -> bool:
    return app.user.is_active and (app.expires_at is None or app.expires_at > timezone.now())


def _change_source(actor_id) -> str:
    if actor_id is None:
        return "CRM"
    role = User.objects.filter(pk=actor_id).values_list("role", flat=True).first()
    return "INTEGRATION" if role == User.Role.APP else "CRM_UI"


def _text(value: Any) -> str:
    """HubSpot sends property values as strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def _visible(app: PrivateApp, object_type: ObjectType, record_ids, plain: list[str], change: str):
    """{record id: (number, {plain name: value})} of the records the app's user may see."""
    if change == record_events.DELETED:
        return None  # gone: there is nothing left to check or read, only the numbers told
    query = Record.objects.filter(pk__in=record_ids, object_type=object_type)
    views = records_api.record_views(actor=app.user, query=query, properties=plain, purpose="webhook")
    return {str(v.record.pk): (v.record.number, v.values) for v in views}


def deliveries_for_change(
    *,
    change_id: str,
    tenant_id,
    object_type_id,
    change: str,
    record_ids: list[str],
    numbers: Mapping[str, int] | None = None,
    properties: Iterable[str] = (),
    actor_id=None,
    occurred_at_ms: int | None = None,
) -> list[uuid.UUID]:
    """Makes the deliveries of one change (one per app and batch); returns their ids.

    Idempotent: the same `change_id` makes no second set (a redelivered task message).
    """
    properties = list(properties)
    object_type = ObjectType.objects.filter(pk=object_type_id, tenant_id=tenant_id).first()
    subscriptions = list(
        subscriptions_matching(
            tenant_id=tenant_id, object_type_id=object_type_id, change=change, properties=properties
        ).select_related("app", "app__user", "app__tenant")
    )
    if object_type is None or not subscriptions:
        return []
    definitions = {d.name: d for d in PropertyDefinition.objects.filter(object_type=object_type, name__in=properties)}
    plain = [name for name, d in definitions.items() if not d.is_sensitive]
    occurred_at_ms = occurred_at_ms or int(timezone.now().timestamp() * 1000)
    source = _change_source(actor_id)
    by_app: dict[uuid.UUID, list[Subscription]] = {}
    for subscription in subscriptions:
        by_app.setdefault(subscription.app_id, []).append(subscription)
    made = []
    for subscriptions_of_app in by_app.values():
        app = subscriptions_of_app[0].app
        if not _app_live(app) or not app_reads(app, object_type):
            continue  # its scope no longer lets it read this type: it isn't told either
        visible = _visible(app, object_type, record_ids, plain, change)
        targets = (
            [(pk, numbers.get(pk), {}) for pk in record_ids if (numbers or {}).get(pk) is not None]
            if visible is None
            else [(pk, *visible[pk]) for pk in record_ids if pk in visible]
        )
        events = []
        for subscription in subscriptions_of_app:
            for _pk, number, values in targets:
                events.append(
                    _event(subscription, object_type, app, number, values, definitions, occurred_at_ms, source)
                )
        made += _deliveries_make(app, change_id, events)
    return made


def _event(subscription, object_type, app, number, values, definitions, occurred_at_ms, source) -> dict:
    event = {
        "subscriptionId": subscription.number,
        "portalId": str(app.tenant_id),
        "appId": None,  # set below from the app's settings number
        "occurredAt": occurred_at_ms,
        "subscriptionType": subscription_type_of(object_type, subscription.event_type),
        "objectId": number,
        "changeSource": source,
    }
    if not object_type.is_standard:
        event["objectTypeId"] = object_type.type_id
    if subscription.event_type in CHANGE_FLAGS:
        event["changeFlag"] = CHANGE_FLAGS[subscription.event_type]
    else:
        name = subscription.property_name
        definition = definitions.get(name)
        event["propertyName"] = name
        # A sensitive value is never read here, whoever the app is (the API gives it to those allowed).
        event["propertyValue"] = REDACTED if definition is None or definition.is_sensitive else _text(values.get(name))
    return event


def _deliveries_make(app: PrivateApp, change_id: str, events: list[dict]) -> list[uuid.UUID]:
    if not events:
        return []
    settings_row = WebhookSettings.objects.get(app=app)
    batch = max(1, settings_row.batch_size)
    chunks = [events[at : at + batch] for at in range(0, len(events), batch)]
    event_ids = iter(numbers_next(len(events)))
    delivery_numbers = numbers_next(len(chunks))
    made = []
    now = timezone.now()
    for index, (chunk, number) in enumerate(zip(chunks, delivery_numbers, strict=True)):
        for event in chunk:
            event["eventId"], event["appId"] = next(event_ids), settings_row.number
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    tenant_id=app.tenant_id,
                    app=app,
                    number=number,
                    source_key=f"{change_id}:{index}",
                    payload=chunk,
                    event_count=len(chunk),
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue  # this change's batch was made already (the task ran twice)
        made.append(delivery.pk)
    return made
