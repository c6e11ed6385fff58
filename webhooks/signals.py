"""Record changes become webhook events: the receiver queues one task with ids and names and returns.

A deleted record is gone when the change is told (after the commit), so its number, the objectId
of a deletion event, is noted just before its row is deleted (pre_delete, same process and thread)
and handed to the task.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from core.master_key import master_key_rotated
from crm.models import Record
from crm.records import events as record_events
from webhooks.events import subscriptions_matching
from webhooks.services import webhook_secrets_reseal
from webhooks.tasks import webhooks_change_task

logger = logging.getLogger(__name__)
_deleted = threading.local()  # {record id: number} of rows deleted in this thread, until told


def _numbers() -> dict:
    if not hasattr(_deleted, "numbers"):
        _deleted.numbers = {}
    return _deleted.numbers


@receiver(pre_delete, sender=Record, dispatch_uid="webhooks.record_deleting")
def _record_deleting(sender, instance: Record, **kwargs) -> None:
    if instance.number is not None:
        numbers = _numbers()
        if len(numbers) > 10_000:  # deletes rolled back never told: don't keep them forever
            numbers.clear()
        numbers[str(instance.pk)] = instance.number


@receiver(record_events.record_changed, dispatch_uid="webhooks.record_changed")
def _record_changed(sender, *, tenant_id, object_type_id, record_ids, change, properties=(), actor_id=None, **kwargs):
    numbers = None
    if change == record_events.DELETED:
        known = _numbers()
        numbers = {pk: known.pop(pk) for pk in record_ids if pk in known}
    if not subscriptions_matching(
        tenant_id=tenant_id, object_type_id=object_type_id, change=change, properties=properties
    ).exists():
        return
    try:
        webhooks_change_task.delay(
            str(uuid.uuid4()),
            tenant_id,
            object_type_id,
            change,
            list(record_ids),
            numbers,
            list(properties),
            actor_id,
            int(time.time() * 1000),
        )
    except Exception as exc:  # the change is committed: a broker outage must not fail it
        logger.error("webhook events of a %s change not queued: %s", change, type(exc).__name__)


@receiver(master_key_rotated, dispatch_uid="webhooks.master_key_rotated")
def _master_key_rotated(sender, *, target, **kwargs) -> None:
    webhook_secrets_reseal(target=target)
