"""What the record layer tells the layers above it about changed records: a Django signal sent after
the commit, with ids and property names only, never a value.

Workflows, webhooks and active lists listen to it (they sit above the record layer, which must not
import them). A receiver runs in the committing process, so it only queues work (Celery tasks that
carry the same ids and names) and returns.

    record_changed.send(sender=Record, tenant_id=..., object_type_id=..., record_ids=[...],
                        change="created" | "updated" | "archived" | "deleted",
                        properties=("firstname", "annual_salary"), actor_id=...)

`properties` names the properties written: for plain ones only those whose stored value changed,
for sensitive ones every one written (comparing would need decrypting the old value). A created
record names the properties given to it; an archived or deleted one names none.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.dispatch import Signal

from crm.models import Record

CREATED, UPDATED, ARCHIVED, DELETED = "created", "updated", "archived", "deleted"

record_changed = Signal()


def record_changed_after_commit(
    *, actor, object_type, record_ids: Iterable, change: str, properties: Iterable[str] = ()
) -> None:
    """Sends `record_changed` once the current transaction commits (at once outside one)."""
    record_ids = [str(pk) for pk in record_ids]
    if not record_ids:
        return
    transaction.on_commit(
        partial(
            record_changed.send,
            sender=Record,
            tenant_id=str(object_type.tenant_id),
            object_type_id=str(object_type.pk),
            record_ids=record_ids,
            change=change,
            properties=tuple(sorted(set(properties))),
            actor_id=str(actor.pk) if actor is not None else None,
        )
    )
