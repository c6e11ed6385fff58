"""Writing audit events. Callers pass names and ids, never values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit import chain, chain_keys, context, record_index
from audit.models import AuditChainHead, AuditEvent, chain_key

HEADS = AuditChainHead._meta.db_table
EVENTS = AuditEvent._meta.db_table


def event_record(**fields: Any) -> AuditEvent:
    """Append one event to its tenant's chain, in the caller's transaction (fields: see event_recording)."""
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
    """Append one event to its tenant's chain, in the caller's transaction, while the block runs.

    On PostgreSQL the event's INSERT is pipelined: the server writes it, and indexes its record
    ids, while the block works in Python (a bulk read decrypts what the event says it read). The
    event is known to be written only once the with statement ends without an exception: whatever
    the block produced must not leave it otherwise.
    """
    tenant_id = tenant.pk if tenant is not None else getattr(actor, "tenant_id", None)
    key = chain_key(tenant_id)
    with transaction.atomic():
        mac = chain_keys.chain_mac(key)  # cached in the process after the chain's first event
        head_seq, head_hash = _head_lock(key)
        event = AuditEvent(
            chain=key,
            seq=head_seq + 1,
            prev_hash=head_hash,
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
        event.hash = chain.link(event, mac)
        with connection.cursor() as insert, connection.cursor() as head:
            with _pipeline():
                insert.execute(*_insert_sql(event))
                head.execute(f"UPDATE {HEADS} SET seq = %s, hash = %s WHERE chain = %s", [event.seq, event.hash, key])  # noqa: S608
                yield event
            event.pk = insert.fetchone()[0]
        event._state.adding, event._state.db = False, connection.alias
        record_index.index_add(event.pk, event.record_ids)


@contextmanager
def _pipeline() -> Iterator[None]:
    """psycopg's pipeline mode on PostgreSQL: statements go to the server without waiting for
    their results, which come (with any error, as Django's DatabaseError) at the end of the block."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def _insert_sql(event: AuditEvent) -> tuple[str, list]:
    """INSERT ... RETURNING id of a new event, as the ORM would write it; the ORM's save() waits
    for the id, which would end the pipeline."""
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(event, add=True), connection) for field in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {EVENTS} ({columns}) VALUES ({placeholders}) RETURNING id", values  # noqa: S608


def _head_lock(key: str) -> tuple[int, str]:
    """The chain's last (seq, hash), its row locked until the transaction ends. Plain SQL: every
    audited call makes this query and the update after it, and the ORM doubled their cost."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT seq, hash FROM {HEADS} WHERE chain = %s{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select, [key])
        row = cursor.fetchone()
        if row is not None:
            return row
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(chain=key)
        except IntegrityError:
            pass  # another process made it first
        cursor.execute(select, [key])
        return cursor.fetchone()


def events_export_record(*, actor, filters: dict) -> AuditEvent:
    """An export of audit events is itself an event; the export holds what came before it."""
    return event_record(kind=AuditEvent.Kind.AUDIT_EXPORTED, actor=actor, details={"filters": filters})
