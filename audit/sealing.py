"""The sealer: gives written events their place in their chain, in a short transaction of its own.

Why: appending used to lock the chain's head row from the event's INSERT until the caller's
transaction committed, so every audited action of a tenant (reads, writes, sign-ins) queued
behind the slowest one, a bulk read decrypting thousands of values included. Now:

1. Writing an event takes no lock. It is inserted (ordered by its id, an identity) in the
   caller's transaction with `mac`, a keyed MAC of its own content (audit.chain), so an audited
   read still fails closed when its event cannot be written, and a change to the event is found
   from the moment it is written.
2. Sealing gives the committed events of a chain, in id order, their `seq`, the link before them
   and their link (a keyed MAC over chain, seq, previous link and their own MAC), under the head
   row's lock, in a transaction of its own that only reads ids and MACs and writes links: about a
   millisecond, never while anyone decrypts or renders. It runs right after the writing
   transaction commits (`transaction.on_commit`, in the same process; a sealer that finds the
   head locked leaves its events to the one holding it, which seals until it finds none left),
   and from a Celery beat sweep every few seconds (audit_seal_task) for events whose process died
   or whose sealer lost the race at the very end of another's. `audit_verify` seals first.

Trade-offs, as chosen:

- The order of a tenant's events is the sealing order (one order, the chain's); it is the order
  of commits, near enough, not of the events' creation times or ids.
- Until an event is sealed (normally milliseconds; at worst until the next sweep), removing it,
  or reordering unsealed events, leaves no trace: only a change to one is found (its own MAC).
  Once sealed, removal, reordering and insertion break the links, as before.
- Two MACs per event instead of one, and a second short transaction after each audited one:
  more round trips in total, but none of them inside anyone's lock-holding transaction.
- A sealer seals whatever it finds, including an event changed before it was sealed: its own
  MAC then fails for good, and verification reports it (the sealer cannot launder it).
- SQLite (the embedded default) has a single writer anyway: the event's INSERT takes the write
  lock until the caller commits (IMMEDIATE transactions take it at BEGIN), there is nothing to
  gain there; the sealer runs the same, serialised by that lock instead of the row lock.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

from audit import chain as audit_chain
from audit import chain_keys
from audit.models import AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)

HEADS = AuditChainHead._meta.db_table
EVENTS = AuditEvent._meta.db_table
BATCH = 1_000


def seal_after_commit(chain: str) -> None:
    """Seal the chain once the caller's transaction commits (a failure is logged: the sweep retries)."""

    def seal_chain() -> None:  # a function, not a partial: Django logs a robust callback's __qualname__
        chain_seal(chain, wait=False)

    transaction.on_commit(seal_chain, robust=True)


def chain_seal(chain: str, *, wait: bool = True) -> int:
    """Seal the chain's committed unsealed events, in id order; return how many.

    Without `wait`, returns 0 at once if another sealer holds the chain: it seals until it finds
    nothing left, which includes what was committed while it worked.
    """
    sealed = 0
    with transaction.atomic():
        head = _head_lock(chain, wait=wait)
        if head is None:
            return 0
        seq, prev = head
        mac = None
        while rows := _unsealed(chain):
            if mac is None:
                # Never made here: a chain whose key is gone is not to be sealed with a new one.
                mac = chain_keys.chain_mac(chain, create=False)
                if mac is None:
                    logger.error("The audit chain %s has no MAC key: its events cannot be sealed.", chain)
                    return 0
            links = []
            for event_id, own_mac in rows:
                seq += 1
                link = audit_chain.link(chain, seq, prev, own_mac, mac)
                links.append((event_id, seq, prev, link))
                prev = link
            _links_write(links)
            sealed += len(links)
        if sealed:
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {HEADS} SET seq = %s, hash = %s WHERE chain = %s", [seq, prev, chain])  # noqa: S608
    return sealed


def chains_seal_pending() -> int:
    """Seal every chain that has unsealed events (the sweep); return how many events."""
    chains = AuditEvent.objects.filter(seq__isnull=True).values_list("chain", flat=True).distinct()
    return sum(chain_seal(chain) for chain in list(chains.order_by()))


def _unsealed(chain: str) -> list[tuple[int, str]]:
    select = f"SELECT id, mac FROM {EVENTS} WHERE chain = %s AND seq IS NULL ORDER BY id LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select, [chain, BATCH])
        return cursor.fetchall()


def _links_write(links: list[tuple[int, int, str, str]]) -> None:
    """(id, seq, prev_hash, hash) of each event, in one statement on PostgreSQL. Plain SQL: events
    are never changed through the ORM (AuditQuerySet refuses), sealing is the one exception."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(links))
            cursor.execute(
                f"UPDATE {EVENTS} AS e SET seq = v.seq, prev_hash = v.prev, hash = v.hash "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, seq, prev, hash) WHERE e.id = v.id AND e.seq IS NULL",
                [value for row in links for value in row],
            )
        else:
            cursor.executemany(
                f"UPDATE {EVENTS} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s AND seq IS NULL",  # noqa: S608
                [(seq, prev, link, event_id) for event_id, seq, prev, link in links],
            )
        if cursor.rowcount != len(links):
            raise RuntimeError("Audit events changed under the sealer's lock.")  # rolls the seal back


def _head_lock(chain: str, *, wait: bool) -> tuple[int, str] | None:
    """The chain's last sealed (seq, hash), its row locked until the seal's transaction ends
    (made if missing); None without `wait` when another sealer holds it."""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE" if wait else " FOR UPDATE SKIP LOCKED"
    else:
        lock = ""  # SQLite: the transaction holds the database's write lock
    select = f"SELECT seq, hash FROM {HEADS} WHERE chain = %s{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select, [chain])
        row = cursor.fetchone()
        if row is not None:
            return row
        if not wait and AuditChainHead.objects.filter(chain=chain).exists():
            return None  # locked by another sealer
        AuditChainHead.objects.bulk_create([AuditChainHead(chain=chain)], ignore_conflicts=True)
        cursor.execute(f"SELECT seq, hash FROM {HEADS} WHERE chain = %s{lock.replace(' SKIP LOCKED', '')}", [chain])  # noqa: S608
        return cursor.fetchone()
