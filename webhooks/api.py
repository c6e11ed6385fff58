"""HubSpot's webhooks API, for a private app's own webhooks, with its own token:

    GET, PUT                 /webhooks/v3/{appId}/settings
    GET, POST                /webhooks/v3/{appId}/subscriptions
    GET, PATCH, DELETE       /webhooks/v3/{appId}/subscriptions/{subscriptionId}
    POST                     /webhooks/v3/{appId}/subscriptions/batch/update

HubSpot asks for a developer API key; here a token manages only its own app's webhooks (`appId` is
the appId its events carry; any other is a 404), once a super admin has set them up in the settings
(that is where the signing secret is shown: never here). Subscribing needs the read scope of the
object type. Not in the OpenAPI schema yet (the CRM's paths are).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from crm.api import errors, resolve
from crm.api.base import ApiView
from crm.api.shapes import timestamp
from crm.models import ObjectType
from webhooks import services
from webhooks.models import Subscription, WebhookSettings
from webhooks.services import HUBSPOT_OBJECT_NAMES, Wanted, subscription_type_of

OBJECT_TYPE_OF = {singular: plural for plural, singular in HUBSPOT_OBJECT_NAMES.items()}
MAX_BATCH = 100


def _bad(where: str, message: str) -> errors.ApiError:
    return errors.ApiError(message, errors=[{"message": message, "in": where, "code": "INVALID_INPUT"}])


def _body(request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise _bad("body", "The body must be a JSON object.")
    return request.data


def _settings(request, app_id: str) -> WebhookSettings:
    number = resolve.whole_number((app_id or "").strip())
    found = WebhookSettings.objects.filter(app=request.auth, number=number).first() if number is not None else None
    if found is None:
        raise errors.not_found("No webhook settings of this app: a super admin sets them up first.")
    return found


def settings_body(found: WebhookSettings) -> dict[str, Any]:
    return {
        "targetUrl": found.target_url,
        "throttling": {"maxConcurrentRequests": found.max_concurrent_requests, "period": "SECONDLY"},
        "createdAt": timestamp(found.created_at),
        "updatedAt": timestamp(found.updated_at),
    }


def subscription_body(subscription: Subscription) -> dict[str, Any]:
    body = {
        "id": str(subscription.number),
        "eventType": subscription_type_of(subscription.object_type, subscription.event_type),
        "active": subscription.active,
        "createdAt": timestamp(subscription.created_at),
        "updatedAt": timestamp(subscription.updated_at),
    }
    if subscription.property_name:
        body["propertyName"] = subscription.property_name
    if not subscription.object_type.is_standard:
        body["objectTypeId"] = subscription.object_type.type_id
    return body


def _flag(body: dict, name: str, default: bool | None = None) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise _bad(name, f"{name} must be true or false.")
    return value


def _wanted(request, body: dict) -> Wanted:
    event_type = body.get("eventType")
    if not isinstance(event_type, str) or "." not in event_type:
        raise _bad("eventType", "eventType must be such as contact.creation or contact.propertyChange.")
    object_name, _, event = event_type.rpartition(".")
    types = ObjectType.objects.filter(tenant_id=request.auth.tenant_id, archived_at__isnull=True)
    if object_name == "object":
        type_id = body.get("objectTypeId")
        found = types.filter(is_standard=False, type_id=type_id).first() if isinstance(type_id, str) else None
        if found is None:
            raise _bad("objectTypeId", "object.* events need the objectTypeId of a custom object, such as 2-123.")
    else:
        found = types.filter(is_standard=True, name=OBJECT_TYPE_OF.get(object_name, "")).first()
        if found is None:
            raise _bad("eventType", f"{event_type[:80]!r} is not an event of contacts, companies, deals or tickets.")
    name = body.get("propertyName") or ""
    if not isinstance(name, str):
        raise _bad("propertyName", "propertyName must be a property's internal name.")
    return Wanted(found, event, name.strip())


def _subscription(found: WebhookSettings, subscription_id) -> Subscription:
    number = resolve.whole_number(str(subscription_id).strip())
    subscription = (
        Subscription.objects.filter(app_id=found.app_id, number=number).select_related("object_type").first()
        if number is not None
        else None
    )
    if subscription is None:
        raise errors.not_found("Subscription not found.", id=[str(subscription_id)[:40]])
    return subscription


@extend_schema(exclude=True)
class SettingsApi(ApiView):
    def get(self, request, app_id: str):
        return Response(settings_body(_settings(request, app_id)))

    def put(self, request, app_id: str):
        found, body = _settings(request, app_id), _body(request)
        throttling = body.get("throttling", {})
        if not isinstance(throttling, dict):
            raise _bad("throttling", "throttling must be an object.")
        target_url = body.get("targetUrl", found.target_url)
        if not isinstance(target_url, str):
            raise _bad("targetUrl", "targetUrl must be an address.")
        concurrent = throttling.get("maxConcurrentRequests", found.max_concurrent_requests)
        if isinstance(concurrent, bool) or not isinstance(concurrent, int):
            raise _bad("throttling.maxConcurrentRequests", "maxConcurrentRequests must be a whole number.")
        found, _ = services.webhook_settings_save(
            actor=request.user,
            app=request.auth,
            target_url=target_url,
            max_concurrent_requests=concurrent,
            batch_size=found.batch_size,
            paused=found.paused,
        )
        return Response(settings_body(found))


@extend_schema(exclude=True)
class SubscriptionsApi(ApiView):
    def get(self, request, app_id: str):
        found = _settings(request, app_id)
        subscriptions = Subscription.objects.filter(app_id=found.app_id).select_related("object_type")
        return Response({"results": [subscription_body(s) for s in subscriptions]})

    def post(self, request, app_id: str):
        found, body = _settings(request, app_id), _body(request)
        wanted, active = _wanted(request, body), _flag(body, "active", True)
        subscription = services.subscription_create(actor=request.user, app=found.app, wanted=wanted, active=active)
        return Response(subscription_body(subscription), status=201)


@extend_schema(exclude=True)
class SubscriptionApi(ApiView):
    def get(self, request, app_id: str, subscription_id: str):
        return Response(subscription_body(_subscription(_settings(request, app_id), subscription_id)))

    def patch(self, request, app_id: str, subscription_id: str):
        found = _settings(request, app_id)
        subscription, body = _subscription(found, subscription_id), _body(request)
        active = _flag(body, "active")
        services.subscription_update(actor=request.user, app=found.app, subscription=subscription, active=active)
        return Response(subscription_body(subscription))

    def delete(self, request, app_id: str, subscription_id: str):
        found = _settings(request, app_id)
        subscription = _subscription(found, subscription_id)
        services.subscription_delete(actor=request.user, app=found.app, subscription=subscription)
        return Response(status=204)


@extend_schema(exclude=True)
class SubscriptionsBatchUpdateApi(ApiView):
    def post(self, request, app_id: str):
        found, body = _settings(request, app_id), _body(request)
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= MAX_BATCH:
            raise _bad("inputs", f"inputs must be a list of 1 to {MAX_BATCH} {{id, active}} objects.")
        changes = []
        for index, item in enumerate(inputs):
            if not isinstance(item, dict):
                raise _bad(f"inputs[{index}]", "Each input must be an object with id and active.")
            subscription = _subscription(found, item.get("id", ""))
            changes.append((subscription, _flag(item, "active")))
        started = timestamp(timezone.now())
        with transaction.atomic():  # all or none
            for subscription, active in changes:
                services.subscription_update(
                    actor=request.user, app=found.app, subscription=subscription, active=active
                )
        return Response(
            {
                "status": "COMPLETE",
                "results": [subscription_body(s) for s, _ in changes],
                "startedAt": started,
                "completedAt": timestamp(timezone.now()),
            }
        )


urlpatterns = [
    path("v3/<str:app_id>/settings", SettingsApi.as_view(), name="api_webhooks_settings"),
    path("v3/<str:app_id>/subscriptions", SubscriptionsApi.as_view(), name="api_webhooks_subscriptions"),
    path("v3/<str:app_id>/subscriptions/batch/update", SubscriptionsBatchUpdateApi.as_view()),
    path("v3/<str:app_id>/subscriptions/<str:subscription_id>", SubscriptionApi.as_view()),
]
