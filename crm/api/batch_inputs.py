"""The inputs of a batch (100 at most), their ids and idProperty, and the records they name."""

from __future__ import annotations

from typing import Any

from crm.api import inputs, writes
from crm.models import PropertyDefinition, Record

MAX_INPUTS = 100


def inputs_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("inputs")
    if not isinstance(items, list) or not all(isinstance(one, dict) for one in items):
        raise writes.bad_request([writes.item("inputs must be a list of objects.", "inputs", "INVALID_BODY")])
    if len(items) > MAX_INPUTS:
        raise writes.bad_request(
            [writes.item(f"At most {MAX_INPUTS} inputs per batch.", "inputs", "TOO_MANY_INPUTS")],
            f"Batch input size exceeds the maximum of {MAX_INPUTS} inputs.",
        )
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    """Each input's `id` as text; 400 naming every input without one."""
    texts, problems = [], []
    for index, one in enumerate(items):
        value = one.get("id")
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            problems.append(writes.item("id must be a string.", f"inputs[{index}].id", "INVALID_ID"))
        texts.append(str(value).strip()[:255] if isinstance(value, str | int) else "")
    if problems:
        raise writes.bad_request(problems)
    return texts


def id_properties(items, body, definitions, *, required: bool = False) -> list[PropertyDefinition | None]:
    found = []
    for index, one in enumerate(items):
        name = one.get("idProperty") or body.get("idProperty")
        if name is not None and not isinstance(name, str):
            name = "?"
        definition = inputs.id_property_of(name, definitions, where=f"inputs[{index}].idProperty")
        if definition is None and required:
            raise writes.bad_request(
                [
                    writes.item(
                        "An upsert needs an idProperty with unique values (e.g. email).",
                        f"inputs[{index}].idProperty",
                        "INVALID_ID_PROPERTY",
                    )
                ]
            )
        found.append(definition)
    return found


def find(actor, object_type, ids, id_properties, *, archived=False) -> list[Record | None]:
    """The record of each input (None when not found), one query per idProperty."""
    groups: dict[str, tuple[PropertyDefinition | None, list[str]]] = {}
    for text, definition in zip(ids, id_properties, strict=True):
        groups.setdefault(definition.name if definition else "", (definition, []))[1].append(text)
    found = {
        (key, text): record
        for key, (definition, texts) in groups.items()
        for text, record in inputs.records_of(actor, object_type, texts, definition, archived=archived).items()
    }
    return [found.get((d.name if d else "", text)) for text, d in zip(ids, id_properties, strict=True)]


def no_duplicates(keys: list[Any]) -> None:
    seen: dict[Any, int] = {}
    for index, key in enumerate(keys):
        if key is not None and key in seen:
            raise writes.bad_request(
                [writes.item(f"The same object as inputs[{seen[key]}].", f"inputs[{index}].id", "DUPLICATE_ID")],
                "Duplicate ids found in the batch input.",
            )
        if key is not None:
            seen[key] = index
