"""A saved record is checked against the active lists of its type, after the commit, by a worker.

Django's post_save rather than a call in the record layer: the record layer sits below the
surfaces (lists are one) and must not import them. Bulk creates and archiving don't send it; the
scheduled rebuild (lists_refresh_task) catches those.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from crm.models import Record
from workflows.models import List
from workflows.tasks import list_record_check_task


@receiver(post_save, sender=Record, dispatch_uid="workflows.record_saved")
def _record_saved(sender, instance: Record, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    active = List.objects.filter(tenant_id=instance.tenant_id, object_type_id=instance.object_type_id, kind="active")
    if active.exists():
        transaction.on_commit(partial(list_record_check_task.delay, str(instance.pk)))
