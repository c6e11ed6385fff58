"""What names a record: its display name, derived from its non-sensitive display properties.

A derived copy of values: it is shown and searched wherever the record is (lists, links, titles,
the change log's object names), so a sensitive value must never be part of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.models import ObjectType, PropertyDefinition, Record

REFRESH_BATCH = 2_000


def display_name_for(object_type: ObjectType, values: Mapping[str, Any]) -> str:
    """The display name made of `values`, which must hold non-sensitive values only (see plain_values)."""
    parts = [str(values[name]) for name in object_type.display_properties if values.get(name) not in (None, "")]
    return " ".join(parts)[:255]


def sensitive_names(object_type_id) -> set[str]:
    return set(
        PropertyDefinition.objects.filter(object_type_id=object_type_id)
        .exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
        .values_list("name", flat=True)
    )


def plain_values(properties: Mapping[str, Any], sensitive: set[str]) -> dict[str, Any]:
    """The record's JSON without the values of sensitive properties: those of a property just made
    sensitive stay in it until their background move, and must not name the record meanwhile."""
    return {name: value for name, value in properties.items() if name not in sensitive}


def display_names_refresh(*, object_type: ObjectType, holding: str, batch_size: int = REFRESH_BATCH) -> int:
    """Recompute the display name of every record of `object_type` that holds a value of `holding`.

    Called in the transaction that changes the property's sensitivity. bulk_update sends no signals,
    so the change log gets no entry with the old name.
    """
    if holding not in object_type.display_properties:
        return 0
    sensitive = sensitive_names(object_type.pk)
    rows = (
        Record.objects.filter(object_type=object_type, properties__has_key=holding)
        .values_list("pk", "properties", "display_name")
        .order_by()
        .iterator(chunk_size=batch_size)
    )
    changed: list[Record] = []
    count = 0
    for pk, properties, old in rows:
        new = display_name_for(object_type, plain_values(properties, sensitive))
        if new != old:
            changed.append(Record(pk=pk, display_name=new))
        if len(changed) >= batch_size:
            Record.objects.bulk_update(changed, ["display_name"])
            count += len(changed)
            changed = []
    if changed:
        Record.objects.bulk_update(changed, ["display_name"])
        count += len(changed)
    return count
