"""The hash chain: canonical content of an event, appending, verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from audit import record_index
from audit.models import AuditChainHead, AuditEvent

HASHED_FIELDS = (
    "chain", "seq", "prev_hash", "tenant_id", "actor_id", "actor_email", "kind", "surface", "ip_address",
    "object_type", "record_ids", "property_names", "details",
)  # fmt: skip


def canonical(event: AuditEvent) -> bytes:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["tenant_id"] = str(event.tenant_id) if event.tenant_id else None
    content["actor_id"] = str(event.actor_id) if event.actor_id else None
    content["created_at"] = event.created_at.isoformat(timespec="microseconds")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass
class Break:
    seq: int
    event_id: int | None
    reason: str


def verify(chain: str, events: Iterable[AuditEvent] | None = None) -> tuple[int, Break | None]:
    """Walk one chain in order; return how many events were checked and the first broken link.

    Where the per-record index is rows of its own (AuditEventRecord, on SQLite), also checks them
    against each event's hashed record ids, so that removing an index row to hide an access from
    "who accessed this record" is found too. (On PostgreSQL the index is over the hashed ids.)
    """
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is None:
        return 0, None
    expected_prev, expected_seq = head.archived_hash, head.archived_seq + 1
    events = events if events is not None else AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(BATCH)
    checked = 0
    for batch in _batches(events, BATCH):
        links = record_index.rows_of(event.id for event in batch if event.record_ids)
        for event in batch:
            if event.seq != expected_seq:
                return checked, Break(expected_seq, event.id, f"event {expected_seq} is missing (next: {event.seq})")
            if event.prev_hash != expected_prev:
                return checked, Break(
                    event.seq, event.id, "it does not link to the event before it (removed or reordered)"
                )
            if digest(event) != event.hash:
                return checked, Break(event.seq, event.id, "its content does not match its hash (modified)")
            if links is not None and links.get(event.id, set()) != set(event.record_ids):
                return checked, Break(event.seq, event.id, "its record index rows were changed or removed")
            expected_prev, expected_seq = event.hash, event.seq + 1
            checked += 1
    if expected_seq - 1 != head.seq or expected_prev != head.hash:
        return checked, Break(expected_seq, None, f"the chain ends at {expected_seq - 1} but its head says {head.seq}")
    return checked, None


BATCH = 2_000


def _batches(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
