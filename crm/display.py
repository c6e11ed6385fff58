"""How records read to people: their display name, and each stored value as shown.

The display name is a derived copy of values, derived from the non-sensitive display properties:
it is shown and searched wherever the record is (lists, links, titles, the change log's object
names), so a sensitive value must never be part of it.

Display values live here, below every surface, so that the staff UI, the admin and later the API
and exports show a value the same way (the record layer, crm/records/api.py, applies them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.models import ObjectType, PropertyDefinition, Record

T = PropertyDefinition.DataType

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


def display_names_refresh(*, object_type: ObjectType, holding: str | None, batch_size: int = REFRESH_BATCH) -> int:
    """Recompute the display name of every record of `object_type` that holds a value of `holding`
    (every record when None: the display properties changed).

    Called in the transaction that changes the property's sensitivity. bulk_update sends no signals,
    so the change log gets no entry with the old name.
    """
    if holding is not None and holding not in object_type.display_properties:
        return 0
    sensitive = sensitive_names(object_type.pk)
    records = Record.objects.filter(object_type=object_type)
    rows = (
        (records.filter(properties__has_key=holding) if holding is not None else records)
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


def display_value(definition: PropertyDefinition, value: Any) -> Any:
    """A stored value as people read it: option labels for enumerations, Yes/No for booleans, datetimes
    in the active time zone (the user's, see accounts.middleware.TimeZoneMiddleware)."""
    if value is None or value == "":
        return None
    if definition.data_type == T.ENUMERATION:
        return next((option["label"] for option in definition.options if option["value"] == value), value)
    if definition.data_type == T.BOOL:
        return "Yes" if value else "No"
    if definition.data_type == T.DATETIME:
        return display_datetime(value)
    return value


def display_datetime(value: Any) -> Any:
    """A stored UTC datetime as "2026-03-01 09:30 (Europe/Berlin)": the zone's name, not an
    abbreviation, because abbreviations are ambiguous (CST is three different zones)."""
    try:
        parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        return value
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)  # as crm.validation stores it
    return f"{timezone.localtime(parsed):%Y-%m-%d %H:%M} ({timezone.get_current_timezone_name()})"
