"""The chain: canonical content of an event, its link (a keyed MAC), verifying.

Each link is the HMAC-SHA256 of the event's canonical content (which holds the link before it)
under the chain's key (audit.chain_keys): without the master key nobody can compute one, so an
edit to the database followed by recomputed links is found. Links made before the keys came are
plain SHA-256 (up to the key's legacy_seq) and verify as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from audit import chain_keys, record_index
from audit.chain_keys import ChainMac
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
    """The unkeyed link of before the keys: only for verifying events up to the key's legacy_seq."""
    return hashlib.sha256(canonical(event)).hexdigest()


def link(event: AuditEvent, mac: ChainMac) -> str:
    return mac.tag(canonical(event))


def link_verifies(event: AuditEvent, mac: ChainMac) -> bool:
    if event.seq <= mac.legacy_seq:
        return digest(event) == event.hash
    return mac.verifies(event.hash, canonical(event))


def key_fault(chain: str, head: AuditChainHead | None) -> tuple[ChainMac | None, Break | None]:
    """The chain's key for verifying, or why its links cannot be trusted. Raises MasterKeyUnavailable."""
    mac = chain_keys.chain_mac(chain, create=False)
    if mac is None:
        if head is not None and head.seq > 0:
            return None, Break(1, None, "the chain's MAC key is missing (removed?): its links cannot be checked")
        return None, None
    if not mac.sealed:
        return None, Break(1, None, "the chain's MAC key record was changed (its legacy part moved)")
    return mac, None


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
    mac, fault = key_fault(chain, head)
    if fault is not None or mac is None:
        return 0, fault
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
            if not link_verifies(event, mac):
                return checked, Break(event.seq, event.id, "its content does not match its link (modified)")
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
