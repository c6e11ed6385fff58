"""Sending a delivery: claim it, sign and POST its events, record what came of it.

At most one worker sends a delivery at a time: it is claimed by one UPDATE (pending and due ->
sending), so a task message run twice posts once. A failed attempt (an error status, a timeout, a
refused address) is recorded (status, message, never a body) and the delivery waits for its next
attempt, with exponential backoff, until WEBHOOK_MAX_ATTEMPTS; then it is failed. Nothing here
raises into the worker. The beat sweep (webhooks_sweep_task) queues what is due, so a lost message
or a killed worker delays a delivery, never loses it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from core.outbound import signed_post
from crm.models import PropertyDefinition
from webhooks.events import REDACTED
from webhooks.models import Delivery, WebhookSettings
from webhooks.services import webhook_secret_of

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 10)))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: base * 2^(n-1), at most WEBHOOK_RETRY_MAX_SECONDS."""
    base = float(getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 180))
    top = float(getattr(settings, "WEBHOOK_RETRY_MAX_SECONDS", 12 * 3600))
    return dt.timedelta(seconds=min(top, base * 2 ** max(0, attempts - 1)))


def _claim(delivery_id) -> Delivery | None:
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now).update(
        status=Delivery.Status.SENDING, claimed_at=now
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("app").get(pk=delivery_id)


def _body(delivery: Delivery) -> bytes:
    """The events as sent: with their attempt number, and any property made sensitive since the
    event was made redacted (its stored value is then dropped from the row too)."""
    names = {e["propertyName"] for e in delivery.payload if "propertyValue" in e and e["propertyValue"] != REDACTED}
    if names:
        now_sensitive = set(
            PropertyDefinition.objects.filter(tenant_id=delivery.tenant_id, name__in=names)
            .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
            .values_list("name", flat=True)
        )
        if now_sensitive:
            for event in delivery.payload:
                if event.get("propertyName") in now_sensitive and "propertyValue" in event:
                    event["propertyValue"] = REDACTED
            Delivery.objects.filter(pk=delivery.pk).update(payload=delivery.payload)
    events = [{**event, "attemptNumber": delivery.attempts} for event in delivery.payload]
    return json.dumps(events, separators=(",", ":")).encode()


def _finish(
    delivery: Delivery, *, ok: bool, status: int, error: str, seconds: float | None, final: bool = False
) -> str:
    attempts = delivery.attempts + 1
    now = timezone.now()
    fields = {"attempts": attempts, "last_status": status or None, "last_error": error[:200], "last_seconds": seconds}
    if ok:
        fields.update(status=Delivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None, last_error="")
    elif final or attempts >= max_attempts():
        fields.update(status=Delivery.Status.FAILED, next_attempt_at=None)
    else:
        fields.update(status=Delivery.Status.PENDING, next_attempt_at=now + backoff(attempts))
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(**fields, updated_at=now)
    return fields["status"]


def delivery_send(*, delivery_id) -> str:
    """Sends one delivery if it is due and nobody else has it; returns its status after (or
    "skipped")."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    try:
        if delivery.app.is_revoked:
            return _finish(delivery, ok=False, status=0, error="The app is revoked.", seconds=None, final=True)
        settings_row = WebhookSettings.objects.get(app_id=delivery.app_id)
        if settings_row.paused or not settings_row.target_url:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.PENDING, next_attempt_at=timezone.now() + backoff(1)
            )
            return Delivery.Status.PENDING
        result = signed_post(url=settings_row.target_url, body=_body(delivery), secret=webhook_secret_of(settings_row))
    except Exception as exc:  # a recorded failed attempt, never a crashed worker
        logger.warning("webhook delivery %s failed: %s", delivery.number, type(exc).__name__)
        return _finish(delivery, ok=False, status=0, error=f"Could not send ({type(exc).__name__}).", seconds=None)
    return _finish(delivery, ok=result.ok, status=result.status, error=result.error, seconds=result.seconds)


def deliveries_due(*, limit: int = 1000, stale_after_seconds: float | None = None) -> list[uuid.UUID]:
    """Ids of deliveries to send now, at most each app's max_concurrent_requests in flight; a
    delivery whose sender was lost mid-call (claimed too long ago) counts an attempt and is due again."""
    now = timezone.now()
    stale = stale_after_seconds if stale_after_seconds is not None else settings.WEBHOOK_TIMEOUT_SECONDS + 60
    lost = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - dt.timedelta(seconds=stale))
    lost.filter(attempts__gte=max_attempts() - 1).update(
        status=Delivery.Status.FAILED, attempts=F("attempts") + 1, last_error="The sender was lost mid-call."
    )
    lost.update(
        status=Delivery.Status.PENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now,
        last_error="The sender was lost mid-call.",
    )
    in_flight = dict(
        Delivery.objects.filter(status=Delivery.Status.SENDING)
        .values_list("app_id")
        .annotate(n=Count("pk"))
        .values_list("app_id", "n")
    )
    caps = dict(WebhookSettings.objects.values_list("app_id", "max_concurrent_requests"))
    due = Delivery.objects.filter(Q(status=Delivery.Status.PENDING) & Q(next_attempt_at__lte=now)).order_by(
        "next_attempt_at", "number"
    )
    chosen = []
    for pk, app_id in due.values_list("pk", "app_id")[:limit]:
        if in_flight.get(app_id, 0) < caps.get(app_id, 10):
            in_flight[app_id] = in_flight.get(app_id, 0) + 1
            chosen.append(pk)
    return chosen
