"""Archiving records: HubSpot's soft delete, and the staff UI's delete.

An archived record keeps its values (sensitive ones included) and its links, and every read of the
record layer leaves it out unless asked for archived records (`archived=True`), so it is gone from
lists, pages, searches and associations. `record_delete` (crm/records/services.py) still removes a
record for good, for the erasure requests that need it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import Record
from crm.records import events
from crm.records.visibility import Visibility
from crm.tenancy import check_same_tenant, tenant_of


@transaction.atomic
def records_archive(*, actor: User, records: Sequence[Record]) -> list[Record]:
    """Archive the records (those already archived stay as they are); one audit event for them all.

    Raises Record.DoesNotExist, archiving none, when one is another tenant's or outside the actor's
    record scope (as for a missing one).
    """
    tenant_of(actor)
    check_same_tenant(actor, *records)
    visibility = Visibility(actor)
    if not all(visibility.allows(record) for record in records):
        raise Record.DoesNotExist("No such record.")
    live = [record for record in records if record.archived_at is None]
    if not live:
        return []
    now = timezone.now()
    Record.objects.filter(pk__in=[record.pk for record in live], archived_at__isnull=True).update(archived_at=now)
    for record in live:
        record.archived_at = now
    # The kind of a delete, as users call it; `archived` tells it from record_delete's removal.
    by_type: dict = {}
    for record in live:
        by_type.setdefault(record.object_type, []).append(record.pk)
    for object_type, record_ids in by_type.items():
        audit_services.event_record(
            kind=AuditEvent.Kind.RECORD_DELETED,
            actor=actor,
            object_type=object_type.name,
            record_ids=record_ids,
            details={"archived": True},
        )
        events.record_changed_after_commit(
            actor=actor, object_type=object_type, record_ids=record_ids, change=events.ARCHIVED
        )
    return live
