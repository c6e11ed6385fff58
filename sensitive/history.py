"""The change history (django-auditlog) without the plaintext of a property that became sensitive.

Before a raise the value was an ordinary one, and the history of its records kept it: in the JSON
diffs, in the display name (diffs, and every entry's object name), in the names of their links.
After it, no plaintext may stay at rest outside the ciphertext (ARCHITECTURE.md rule 5). The log
is append-only for everything else; this is the one rewrite, and it removes plaintext only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from crm.display import display_name_for, plain_values, sensitive_names
from crm.models import Association, ObjectType, PropertyDefinition, Record

CHUNK = 1_000
FIELDS = ["changes", "changes_text", "object_repr", "serialized_data"]


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _as_dict(side: Any) -> dict | None:
    try:
        data = json.loads(side) if isinstance(side, str) else side
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class _Scrub:
    def __init__(self, object_type: ObjectType, sensitive: set[str]) -> None:
        self.object_type, self.sensitive = object_type, sensitive

    def name(self, properties: dict | None) -> str:
        return display_name_for(self.object_type, plain_values(properties or {}, self.sensitive))

    def changes(self, changes: dict) -> tuple[dict, dict | None]:
        """(scrubbed changes, the scrubbed properties after the change or before a deletion)."""
        changes = dict(changes)
        sides = [_as_dict(side) for side in changes.get("properties", [])]
        if "properties" in changes:
            changes["properties"] = [
                json.dumps(plain_values(data, self.sensitive), sort_keys=True) if data is not None else side
                for side, data in zip(changes["properties"], sides, strict=True)
            ]
        if "display_name" in changes:
            names = None
            if len(sides) == 2:
                pairs = zip(changes["display_name"], sides, strict=False)
                names = [side if data is None else self.name(data) for side, data in pairs]
            # A name from values not in this entry can't be rebuilt: the change is dropped, not guessed.
            if names is None or names[0] == names[1]:
                changes.pop("display_name")
            else:
                changes["display_name"] = names
        latest = next((data for data in reversed(sides) if data is not None), None)
        return changes, plain_values(latest, self.sensitive) if latest is not None else None

    def serialized(self, data: Any) -> Any:
        fields = data.get("fields") if isinstance(data, dict) else None
        if not isinstance(fields, dict):
            return data
        properties = _as_dict(fields.get("properties"))
        if properties is not None:
            fields["properties"] = plain_values(properties, self.sensitive)
        fields["display_name"] = self.name(properties)
        return data


def change_log_scrub(definition: PropertyDefinition) -> int:
    """Rewrite the history of the records of `definition`'s type (live and deleted) without its
    values, and of their links; returns how many entries changed."""
    object_type = definition.object_type
    scrub = _Scrub(object_type, sensitive_names(object_type.pk) | {definition.name})
    record_type = ContentType.objects.get_for_model(Record)
    names = {
        str(pk): name for pk, name in Record.objects.filter(object_type=object_type).values_list("pk", "display_name")
    }
    deleted = [
        entry.object_pk
        for entry in LogEntry.objects.filter(
            content_type=record_type, action=LogEntry.Action.DELETE, changes__object_type__0=str(object_type.pk)
        ).only("object_pk")
    ]
    changed = 0
    for chunk in _chunks(list(names) + deleted):
        entries = list(LogEntry.objects.filter(content_type=record_type, object_pk__in=chunk).order_by("pk"))
        for entry in entries:
            entry.changes, latest = scrub.changes(entry.changes or {})
            entry.serialized_data = scrub.serialized(entry.serialized_data)
            entry.changes_text = ""
            if entry.object_pk not in names and latest is not None:  # a deleted record: its last known name
                names[entry.object_pk] = scrub.name(latest)
        for entry in entries:
            entry.object_repr = names.get(entry.object_pk) or entry.object_pk
        LogEntry.objects.bulk_update(entries, FIELDS)
        changed += len(entries)
    return changed + _links_scrub(object_type, names)


def _links_scrub(object_type: ObjectType, names: dict[str, str]) -> int:
    """Links are named after their two records ("Zelda Quist → Acme"): renamed after the records' names now."""
    link_type = ContentType.objects.get_for_model(Association)
    live = {
        str(pk): (str(a), str(b))
        for pk, a, b in Association.objects.filter(
            Q(from_record__object_type=object_type) | Q(to_record__object_type=object_type)
        ).values_list("pk", "from_record_id", "to_record_id")
    }
    others: dict[str, str] = {}
    entries = []
    for entry in LogEntry.objects.filter(content_type=link_type).iterator(chunk_size=CHUNK):
        ends = live.get(entry.object_pk) or tuple(_end(entry.changes or {}, f) for f in ("from_record", "to_record"))
        if not any(end in names for end in ends):
            continue
        for end in ends:
            if end not in names and end not in others:
                others[end] = Record.objects.filter(pk=end).values_list("display_name", flat=True).first() or end
        entry.object_repr = " → ".join(names.get(end) or others.get(end) or end for end in ends)
        entry.changes_text = ""
        entries.append(entry)
    LogEntry.objects.bulk_update(entries, ["object_repr", "changes_text"], batch_size=CHUNK)
    return len(entries)


def _end(changes: dict, field: str) -> str:
    sides = changes.get(field) or []
    return next((side for side in sides if side and side != "None"), "")
