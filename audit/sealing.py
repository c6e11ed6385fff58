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
- A process seals a chain after a commit at most once per AUDIT_SEAL_INTERVAL_SECONDS (default 1 s):
  under load one seal takes many requests' events, instead of each request paying the seal's round
  trips. An event committed within the interval after a seal waits for the next request after it,
  or for the sweep.
- Until an event is sealed (normally within the interval; at worst until the next sweep), removing it,
  or reordering unsealed events, leaves no trace: only a change to one is found (its own MAC).
  Once sealed, removal, reordering and insertion break the links, as before.
- Two MACs per event instead of one, and a second short transaction after each audited one:
  more round trips in total, but none of them inside anyone's lock-holding transaction. That
  transaction commits without waiting for the disk (synchronous_commit off: a second flush per
  request cost more than the rest of the audit). A database crash can lose the last fraction of
  a second of such seals: their events, written and flushed by their own commits, are then
  unsealed again, and the sweep seals them anew; nothing that was sealed can be lost alone, as
  the write-ahead log is replayed in order. The sweep, verification and archiving seal durably.
- Sealing rewrites each event's row (seq, links): PostgreSQL writes the new row version into
  every index of the table, the GIN over record ids included, which costs a few milliseconds
  for a read of 10,000 records, after its commit (the event's INSERT overlaps the decryption).
  Links in a table of their own would avoid it, at the price of a second storage for the chain.
- A sealer seals whatever it finds, including an event changed before it was sealed: its own
  MAC then fails for good, and verification reports it (the sealer cannot launder it).
- SQLite (the embedded default) has a single writer anyway: the event's INSERT takes the write
  lock until the caller commits (IMMEDIATE transactions take it at BEGIN), there is nothing to
  gain there; the sealer runs the same, serialised by that lock instead of the row lock.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from audit import chain as audit_chain
from audit import chain_keys
from audit.models import AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)

HEADS = AuditChainHead._meta.db_table
EVENTS = AuditEvent._meta.db_table
BATCH = 1_000
_last_sealed: dict[str, float] = {}  # chain -> time.monotonic() of this process's last seal after a commit


def seal_after_commit(chain: str) -> None:
    """Seal the chain once the caller's transaction commits (a failure is logged: the sweep retries).

    Once per chain and transaction: one seal takes every event the transaction wrote.
    """
    if connection.in_atomic_block and any(
        getattr(entry[1], "audit_chain", None) == chain for entry in connection.run_on_commit
    ):
        return  # (Django drops a callback with the savepoint it was made in: then this one goes in)

    def seal_chain() -> None:  # a function, not a partial: Django logs a robust callback's __qualname__
        # At most one seal per chain and interval in a process: under load a seal takes every event
        # committed since the last one, so requests don't each pay its round trips; the sweep and the
        # next request after the interval take what a skipped seal left.
        now = time.monotonic()
        if now - _last_sealed.get(chain, -math.inf) < settings.AUDIT_SEAL_INTERVAL_SECONDS:
            return
        _last_sealed[chain] = now
        chain_seal(chain, wait=False, flush=False)

    seal_chain.audit_chain = chain
    transaction.on_commit(seal_chain, robust=True)


def chain_seal(chain: str, *, wait: bool = True, flush: bool = True) -> int:
    """Seal the chain's committed unsealed events, in id order; return how many.

    Without `wait`, returns 0 at once if another sealer holds the chain: it seals until it finds
    nothing left, which includes what was committed while it worked. On PostgreSQL the statements
    are pipelined: lock and read, then write and look again, then commit; three round trips.
    Without `flush`, PostgreSQL does not wait for the commit to reach the disk (see the module's
    docstring: a seal lost in a crash is made again, the events it sealed were flushed already).
    """
    sealed, mac = 0, None
    with transaction.atomic(), connection.cursor() as first, connection.cursor() as second:
        with pipeline():
            if not flush and connection.vendor == "postgresql":
                first.execute("SET LOCAL synchronous_commit TO OFF")
            first.execute(*_head_select(chain, wait=wait))
            second.execute(*_unsealed_select(chain))  # runs once the lock is held: sees all before
        head = first.fetchone()
        if head is None:
            if not wait and AuditChainHead.objects.filter(chain=chain).exists():
                return 0  # locked: its sealer will find ours
            AuditChainHead.objects.bulk_create([AuditChainHead(chain=chain)], ignore_conflicts=True)
            first.execute(*_head_select(chain, wait=True))
            head = first.fetchone()
            second.execute(*_unsealed_select(chain))
        seq, prev = head
        rows = second.fetchall()
        while rows:
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
            with pipeline():
                _links_write(first, links)
                first.execute(f"UPDATE {HEADS} SET seq = %s, hash = %s WHERE chain = %s", [seq, prev, chain])  # noqa: S608
                second.execute(*_unsealed_select(chain))
            rows = second.fetchall()
            sealed += len(links)
    return sealed


def chains_seal_pending() -> int:
    """Seal every chain that has unsealed events (the sweep); return how many events."""
    chains = AuditEvent.objects.filter(seq__isnull=True).values_list("chain", flat=True).distinct()
    return sum(chain_seal(chain) for chain in list(chains.order_by()))


def _unsealed_select(chain: str) -> tuple[str, list]:
    select = f"SELECT id, mac FROM {EVENTS} WHERE chain = %s AND seq IS NULL ORDER BY id LIMIT %s"  # noqa: S608
    return select, [chain, BATCH]


def _head_select(chain: str, *, wait: bool) -> tuple[str, list]:
    """The chain's last sealed (seq, hash), its row locked until the seal's transaction ends;
    no row without `wait` when another sealer holds it (or when there is no head yet)."""
    lock = ""  # SQLite: the transaction holds the database's write lock
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE" if wait else " FOR UPDATE SKIP LOCKED"
    return f"SELECT seq, hash FROM {HEADS} WHERE chain = %s{lock}", [chain]  # noqa: S608


def _links_write(cursor, links: list[tuple[int, int, str, str]]) -> None:
    """(id, seq, prev_hash, hash) of each event, in one statement on PostgreSQL. Plain SQL: events
    are never changed through the ORM (AuditQuerySet refuses), sealing is the one exception."""
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(links))
        cursor.execute(
            f"UPDATE {EVENTS} AS e SET seq = v.seq, prev_hash = v.prev, hash = v.hash "  # noqa: S608
            f"FROM (VALUES {values}) AS v(id, seq, prev, hash) WHERE e.id = v.id",
            [value for row in links for value in row],
        )
    else:
        cursor.executemany(
            f"UPDATE {EVENTS} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
            [(seq, prev, link, event_id) for event_id, seq, prev, link in links],
        )


@contextmanager
def pipeline() -> Iterator[None]:
    """psycopg's pipeline mode on PostgreSQL: statements go to the server without waiting for
    their results, which come (with any error, as Django's DatabaseError) at the end of the block."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield
