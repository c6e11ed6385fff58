"""Writing audit events. Callers pass names and ids, never values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit import chain, chain_keys, context, record_index, sealing
from audit.models import AuditEvent, chain_key

EVENTS = AuditEvent._meta.db_table


def event_record(**fields: Any) -> AuditEvent:
    """Write one event, in the caller's transaction; it joins its tenant's chain after the commit
    (fields: see event_recording)."""
    with event_recording(**fields) as event:
        pass
    return event


@contextmanager
def event_recording(
    *,
    kind: str,
    tenant=None,
    actor=None,
    object_type: str = "",
    record_ids: Iterable = (),
    property_names: Iterable[str] = (),
    details: dict | None = None,
) -> Iterator[AuditEvent]:
    """Write one event, in the caller's transaction, while the block runs; it joins its tenant's
    chain once that transaction commits (audit.sealing). No lock is taken: the block may decrypt.

    On PostgreSQL the event's INSERT is pipelined: the server writes it, and indexes its record
    ids, while the block works in Python (a bulk read decrypts what the event says it read). The
    event is known to be written only once the with statement ends without an exception: whatever
    the block produced must not leave it otherwise.
    """
    tenant_id = tenant.pk if tenant is not None else getattr(actor, "tenant_id", None)
    key = chain_key(tenant_id)
    with transaction.atomic():
        mac = chain_keys.chain_mac(key)  # cached in the process after the chain's first event
        event = AuditEvent(
            chain=key,
            tenant_id=tenant_id,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_email=getattr(actor, "email", "") or "",
            kind=kind,
            surface=context.surface.get(),
            ip_address=context.ip_address.get() or "",
            object_type=object_type,
            record_ids=[str(record_id) for record_id in record_ids],
            property_names=sorted(set(property_names)),
            details=details or {},
            created_at=timezone.now(),
        )
        event.mac = chain.event_mac(event, mac)
        with connection.cursor() as insert:
            with sealing.pipeline():
                insert.execute(*_insert_sql(event))
                yield event
            event.pk = insert.fetchone()[0]
        event._state.adding, event._state.db = False, connection.alias
        record_index.index_add(event.pk, event.record_ids)
        sealing.seal_after_commit(key)


def events_seal(*, tenant=None) -> int:
    """Seal the tenant's written events now (tenant None: every chain's); return how many.

    Normally not needed: events are sealed after their transaction commits, and by the sweep.
    For verification, and for tests, whose transactions never commit.
    """
    if tenant is None:
        return sealing.chains_seal_pending()
    return sealing.chain_seal(chain_key(tenant.pk))


def _insert_sql(event: AuditEvent) -> tuple[str, list]:
    """INSERT ... RETURNING id of a new event, as the ORM would write it; the ORM's save() waits
    for the id, which would end the pipeline."""
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(event, add=True), connection) for field in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {EVENTS} ({columns}) VALUES ({placeholders}) RETURNING id", values  # noqa: S608


def events_export_record(*, actor, filters: dict) -> AuditEvent:
    """An export of audit events is itself an event; the export holds what came before it."""
    return event_record(kind=AuditEvent.Kind.AUDIT_EXPORTED, actor=actor, details={"filters": filters})
