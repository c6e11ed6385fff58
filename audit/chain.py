"""The chain: each event's own MAC, its link in its chain, verifying both.

An event carries two keyed MACs (HMAC-SHA256 under its chain's key, audit.chain_keys), so that
without the master key nobody can compute either:

- `mac`, made when the event is written: over the event's own content (everything but its place
  in the chain). A changed event no longer matches it, sealed or not.
- `hash`, its link, made when the sealer (audit.sealing) gives it its place: over the chain, its
  `seq`, the link before it and its `mac`. A removed, reordered or inserted event breaks the links.

Events from before the sealer have no `mac`: their link is the MAC of their whole canonical
content (which holds the link before it), or, up to the key's legacy_seq, from before the keys
came, its plain SHA-256. They verify as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Subquery

from audit import chain_keys, record_index
from audit.chain_keys import ChainMac
from audit.models import AuditChainHead, AuditEvent

HASHED_FIELDS = (
    "chain", "seq", "prev_hash", "tenant_id", "actor_id", "actor_email", "kind", "surface", "ip_address",
    "object_type", "record_ids", "property_names", "details",
)  # fmt: skip
# What an event's own MAC covers: all of the above but its place in the chain.
CONTENT_FIELDS = tuple(name for name in HASHED_FIELDS if name not in ("seq", "prev_hash"))
# Domain separation: an event's MAC and a link are never computed over the same bytes.
CONTENT_PREFIX = b"crm.audit-event.v2|"
LINK_PREFIX = "crm.audit-link.v2"


def _canonical(event: AuditEvent, names: tuple[str, ...]) -> bytes:
    content = {name: getattr(event, name) for name in names}
    content["tenant_id"] = str(event.tenant_id) if event.tenant_id else None
    content["actor_id"] = str(event.actor_id) if event.actor_id else None
    content["created_at"] = event.created_at.isoformat(timespec="microseconds")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical(event: AuditEvent) -> bytes:
    """The whole content with the event's place, as links covered it before the sealer."""
    return _canonical(event, HASHED_FIELDS)


def content(event: AuditEvent) -> bytes:
    """What an event's own MAC covers."""
    return CONTENT_PREFIX + _canonical(event, CONTENT_FIELDS)


def event_mac(event: AuditEvent, mac: ChainMac) -> str:
    return mac.tag(content(event))


def link_content(chain: str, seq: int, prev_hash: str, own_mac: str) -> bytes:
    return f"{LINK_PREFIX}|{chain}|{seq}|{prev_hash}|{own_mac}".encode()


def link(chain: str, seq: int, prev_hash: str, own_mac: str, mac: ChainMac) -> str:
    return mac.tag(link_content(chain, seq, prev_hash, own_mac))


def digest(event: AuditEvent) -> str:
    """The unkeyed link of before the keys: only for verifying events up to the key's legacy_seq."""
    return hashlib.sha256(canonical(event)).hexdigest()


def mac_verifies(event: AuditEvent, mac: ChainMac) -> bool:
    """Whether the event's content is what was written (an unsealed event: all that can be checked)."""
    return bool(event.mac) and mac.verifies(event.mac, content(event))


def link_verifies(event: AuditEvent, mac: ChainMac) -> bool:
    """Whether a sealed event's content and place are what was written and sealed."""
    if event.seq <= mac.legacy_seq:
        return digest(event) == event.hash
    if not event.mac:  # linked before the sealer came: the link covers the whole content
        return mac.verifies(event.hash, canonical(event))
    return mac_verifies(event, mac) and mac.verifies(
        event.hash, link_content(event.chain, event.seq, event.prev_hash, event.mac)
    )


def key_fault(chain: str, head: AuditChainHead | None) -> tuple[ChainMac | None, Break | None]:
    """The chain's key for verifying, or why its links cannot be trusted. Raises MasterKeyUnavailable."""
    mac = chain_keys.chain_mac(chain, create=False)
    if mac is None:
        if (head is not None and head.seq > 0) or AuditEvent.objects.filter(chain=chain).exists():
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
    """Walk one chain in order, then check its unsealed tail; return how many events were checked
    and the first fault. `events`: the sealed events to walk instead of the database's.

    Only the events sealed when the walk began are walked (the sealer goes on meanwhile); the
    unsealed ones can only be checked against their own MAC: one removed before it was sealed
    leaves no trace (see audit.sealing).

    Where the per-record index is rows of its own (AuditEventRecord, on SQLite), also checks them
    against each event's MAC'd record ids, so that removing an index row to hide an access from
    "who accessed this record" is found too. (On PostgreSQL the index is over the MAC'd ids.)
    """
    head = AuditChainHead.objects.filter(chain=chain).first()
    mac, fault = key_fault(chain, head)
    if fault is not None or mac is None:
        return 0, fault
    checked, fault = 0, None
    if head is not None:
        checked, fault = _walk(chain, head, mac, events)
        if fault is not None:
            return checked, fault
    tail = AuditEvent.objects.filter(chain=chain, seq__isnull=True).order_by("id").iterator(BATCH)
    next_seq = head.seq + 1 if head is not None else 1
    for batch in _batches(tail, BATCH):
        links = record_index.rows_of(event.id for event in batch if event.record_ids)
        for event in batch:
            if not mac_verifies(event, mac):
                reason = "an event not sealed yet does not match its own MAC (modified)"
                return checked, Break(next_seq, event.id, reason)
            if links is not None and links.get(event.id, set()) != set(event.record_ids):
                return checked, Break(next_seq, event.id, "its record index rows were changed or removed")
            checked += 1
    beyond = _sealed_beyond_head(chain)
    if beyond is not None:
        return checked, Break(beyond.seq, beyond.id, "an event claims a place after the chain's head (forged)")
    return checked, None


def _sealed_beyond_head(chain: str) -> AuditEvent | None:
    """An event with a place in the chain past its head: the sealer never gives one (it moves the head
    with the events it seals, in one transaction), so it was written by hand to escape both the walk
    and the unsealed tail's check. One statement, so a seal committing meanwhile can't look like one."""
    head_seq = AuditChainHead.objects.filter(chain=chain).values("seq")[:1]
    beyond = AuditEvent.objects.filter(chain=chain, seq__isnull=False)
    if AuditChainHead.objects.filter(chain=chain).exists():
        beyond = beyond.filter(seq__gt=Subquery(head_seq))
    return beyond.order_by("seq").first()


def _walk(chain: str, head: AuditChainHead, mac: ChainMac, events) -> tuple[int, Break | None]:
    expected_prev, expected_seq = head.archived_hash, head.archived_seq + 1
    if events is None:
        events = AuditEvent.objects.filter(chain=chain, seq__isnull=False, seq__lte=head.seq).order_by("seq")
        events = events.iterator(BATCH)
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
