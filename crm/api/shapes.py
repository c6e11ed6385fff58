"""Records, properties and errors as HubSpot's CRM API shows them.

Every property value is a string (numbers "91250", booleans "true", datetimes
"2026-01-31T14:30:00.000Z"), or null when the record has none. Beyond HubSpot, a property the token
may not read is left out of `properties` and named in `restrictedProperties`, so a client can tell
a value it may not see from an empty one; one whose key is destroyed or whose ciphertext fails to
decrypt is named in `unreadableProperties`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.models import PropertyDefinition, Record
from crm.records.api import RecordView
from sensitive.readings import State

T = PropertyDefinition.DataType
# The properties every object has, computed from the record: HubSpot's names.
BUILT_IN = ("hs_object_id", "createdate", "lastmodifieddate")
# What a GET without `properties` returns, as HubSpot's defaults (those the type has).
DEFAULT_PROPERTIES = {
    "contacts": ("email", "firstname", "lastname"),
    "companies": ("name", "domain"),
    "deals": ("dealname", "amount", "dealstage", "pipeline", "closedate"),
    "tickets": ("subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority"),
}


def timestamp(value: dt.datetime | None) -> str | None:
    """HubSpot's timestamps: UTC with milliseconds and a Z."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def value_text(definition: PropertyDefinition, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if definition.data_type == T.DATETIME and isinstance(value, str):
        try:
            return timestamp(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def built_in_values(record: Record) -> dict[str, str | None]:
    return {
        "hs_object_id": str(record.number),
        "createdate": timestamp(record.created_at),
        "lastmodifieddate": timestamp(record.updated_at),
    }


def object_body(view: RecordView, *, built_in: tuple[str, ...] = BUILT_IN, archived: bool = False) -> dict[str, Any]:
    """{id, properties, createdAt, updatedAt, archived} (+ restrictedProperties, unreadableProperties)."""
    record = view.record
    properties: dict[str, Any] = {}
    restricted, unreadable = [], []
    for definition in view.definitions:
        if not definition.is_sensitive:
            properties[definition.name] = value_text(definition, view.values.get(definition.name))
            continue
        reading = view.readings.get(definition.name)
        if reading is None or reading.state == State.EMPTY:
            properties[definition.name] = None
        elif reading.state == State.VALUE:
            properties[definition.name] = value_text(definition, reading.value)
        elif reading.state in (State.RESTRICTED, State.MASKED):
            restricted.append(definition.name)
        else:
            unreadable.append(definition.name)
    everything = built_in_values(record)
    properties.update({name: everything[name] for name in built_in})
    body: dict[str, Any] = {
        "id": str(record.number),
        "properties": properties,
        "createdAt": timestamp(record.created_at),
        "updatedAt": timestamp(record.updated_at),
        "archived": archived or getattr(record, "archived_at", None) is not None,
    }
    if body["archived"]:
        body["archivedAt"] = timestamp(record.archived_at)
    if restricted:
        body["restrictedProperties"] = sorted(restricted)
    if unreadable:
        body["unreadableProperties"] = sorted(unreadable)
    return body


def paging(after: str, link: str) -> dict[str, Any]:
    return {"next": {"after": after, "link": link}}
