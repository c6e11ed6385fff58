"""Retention: events older than a tenant's retention move to compressed files, never silently away.

Each archive file holds a contiguous run of a chain's events, with their hashes, as JSON lines.
The chain head records the last archived link, so `audit_verify` still checks what stays in the
database, and with --archives, the files too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from audit import chain as audit_chain
from audit import record_index, sealing
from audit.models import GENESIS, AuditChainHead, AuditEvent

FILE_EVENTS = 100_000
FIELDS = ("id", "chain", "seq", "prev_hash", "hash", "mac", "tenant_id", "actor_id", "actor_email", "kind",
          "surface", "ip_address", "object_type", "record_ids", "property_names", "details", "created_at")  # fmt: skip


@dataclass
class ArchiveResult:
    files: list[Path]
    events: int


def _row(event: AuditEvent) -> dict:
    row = {name: getattr(event, name) for name in FIELDS}
    row["tenant_id"] = str(event.tenant_id) if event.tenant_id else None
    row["actor_id"] = str(event.actor_id) if event.actor_id else None
    row["created_at"] = event.created_at.isoformat(timespec="microseconds")
    return row


def event_from_row(row: dict) -> AuditEvent:
    """An unsaved event rebuilt from an archive line, for verifying its hash (files from before
    the sealer have no "mac": their links cover the whole event)."""
    fields = {"mac": "", **row, "created_at": dt.datetime.fromisoformat(row["created_at"])}
    return AuditEvent(**fields)


def chain_archive(*, chain: str, before: dt.datetime, directory: Path | None = None) -> ArchiveResult:
    """Move the chain's sealed events older than `before` to files; unsealed ones stay (the file
    must hold a run of links, and an event without one would leave the chain unverifiable)."""
    directory = Path(directory or settings.AUDIT_ARCHIVE_DIR) / chain
    sealing.chain_seal(chain)
    files, total = [], 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
            if head is None:
                break
            batch = list(
                AuditEvent.objects.filter(
                    chain=chain, seq__isnull=False, seq__gt=head.archived_seq, created_at__lt=before
                ).order_by("seq")[:FILE_EVENTS]
            )
            # Only a contiguous run from the last archived link: a gap means tampering; keep it visible.
            batch = [event for index, event in enumerate(batch) if event.seq == head.archived_seq + 1 + index]
            if not batch:
                break
            path = directory / f"{batch[0].seq:012d}-{batch[-1].seq:012d}.jsonl.gz"
            _write(path, batch)
            ids = [event.pk for event in batch]
            record_index.rows_delete(ids)
            # The one place events leave the database: after they are safe in the file.
            QuerySet.delete(AuditEvent.objects.filter(pk__in=ids))
            head.archived_seq, head.archived_hash = batch[-1].seq, batch[-1].hash
            head.save(update_fields=["archived_seq", "archived_hash"])
        files.append(path)
        total += len(batch)
    return ArchiveResult(files, total)


def _write(path: Path, events: list[AuditEvent]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with gzip.open(temporary, "wt", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(_row(event), sort_keys=True, ensure_ascii=False) + "\n")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def archived_events(chain: str, directory: Path | None = None):
    """Every archived event of a chain, in order, rebuilt from the files."""
    folder = Path(directory or settings.AUDIT_ARCHIVE_DIR) / chain
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield event_from_row(json.loads(line))


def verify_archives(chain: str, directory: Path | None = None) -> tuple[int, audit_chain.Break | None]:
    """Walk the archived part of a chain from its start; it must end at the head's archived link."""
    head = AuditChainHead.objects.filter(chain=chain).first()
    mac, fault = audit_chain.key_fault(chain, head)
    if fault is not None or mac is None:
        return 0, fault
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in archived_events(chain, directory):
        if event.seq != expected_seq or event.prev_hash != expected_prev or not audit_chain.link_verifies(event, mac):
            return checked, audit_chain.Break(event.seq, event.id, "an archived event is missing, moved or modified")
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    if head and (expected_seq - 1 != head.archived_seq or expected_prev != head.archived_hash):
        return checked, audit_chain.Break(expected_seq, None, "the archive files do not reach the archived link")
    return checked, None
