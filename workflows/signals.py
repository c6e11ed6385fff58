"""Changed records are checked against the active lists of their type, after the commit, by a worker.

The record layer's `record_changed` signal (crm/records/events.py) rather than a call in the record
layer: the record layer sits below the surfaces (lists are one) and must not import them. It is
sent for creates (bulk ones too), changes and archiving; a deleted record's memberships go with it.
Links between records don't send it: the scheduled rebuild (lists_refresh_task) catches those.
"""

from __future__ import annotations

from django.dispatch import receiver

from crm.records.events import DELETED, record_changed
from workflows.models import List
from workflows.tasks import list_build_queue, list_records_check_task

# More records than this changed at once (an import): the lists are built again rather than
# checked; fewer are checked CHECK_CHUNK at a time (a workflow's batch is one check).
CHECK_AT_MOST = 2_000
CHECK_CHUNK = 500


@receiver(record_changed, dispatch_uid="workflows.lists.records_changed")
def _records_changed(sender, *, tenant_id, object_type_id, record_ids, change, **kwargs) -> None:
    if change == DELETED:
        return
    active = List.objects.filter(tenant_id=tenant_id, object_type_id=object_type_id, kind=List.Kind.ACTIVE)
    if len(record_ids) > CHECK_AT_MOST:
        for list_id in active.exclude(status=List.Status.BUILDING).values_list("pk", flat=True):
            list_build_queue(list_id=list_id)
        return
    if active.exists():
        for start in range(0, len(record_ids), CHECK_CHUNK):
            list_records_check_task.delay(list(record_ids[start : start + CHECK_CHUNK]))
