"""Celery tasks of webhooks: ids, numbers and property names only, never a value (ARCHITECTURE.md
rule 5). Thin: each calls webhooks.events or webhooks.sending."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction

from webhooks import events, sending


def deliveries_queue(delivery_ids) -> int:
    for pk in delivery_ids:
        transaction.on_commit(partial(webhook_deliver_task.delay, str(pk)))
    return len(delivery_ids)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def webhooks_change_task(
    change_id: str,
    tenant_id: str,
    object_type_id: str,
    change: str,
    record_ids: list,
    numbers: dict | None = None,
    properties: list | None = None,
    actor_id: str | None = None,
    occurred_at_ms: int | None = None,
) -> int:
    """A record change becomes deliveries (one per app and batch), each queued to send."""
    with transaction.atomic():
        made = events.deliveries_for_change(
            change_id=change_id,
            tenant_id=tenant_id,
            object_type_id=object_type_id,
            change=change,
            record_ids=record_ids,
            numbers=numbers,
            properties=properties or (),
            actor_id=actor_id,
            occurred_at_ms=occurred_at_ms,
        )
        return deliveries_queue(made)


@shared_task(acks_late=True)
def webhook_deliver_task(delivery_id: str) -> str:
    return sending.delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True)
def webhooks_sweep_task() -> int:
    """The schedule (CELERY_BEAT_SCHEDULE): queues deliveries whose next attempt is due, so a lost
    message or a lost worker delays a delivery but never loses it."""
    return deliveries_queue(sending.deliveries_due())
