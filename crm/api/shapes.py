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

from crm.models import ObjectType, PropertyDefinition, Record
from crm.records.api import RecordView
from crm.schema import BUILT_IN_PROPERTIES
from sensitive.readings import State

T = PropertyDefinition.DataType
# The properties every object has, computed from the record: HubSpot's names. Read-only.
BUILT_IN = BUILT_IN_PROPERTIES  # the names; their values come from built_in_values below
# The owner as HubSpot names it: a person's owner number (User.number); written through record_write's owner.
OWNER = "hubspot_owner_id"
# How HubSpot names one record of a standard type in association types ("contact_to_company").
SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "tickets": "ticket"}
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


def owner_number(record: Record) -> str | None:
    owner = record.owner
    return str(owner.number) if owner is not None and not owner.is_app and owner.number else None


def association_type_name(from_type: ObjectType, to_type: ObjectType) -> str:
    one = SINGULAR.get(from_type.name, from_type.name) if from_type.is_standard else from_type.name
    other = SINGULAR.get(to_type.name, to_type.name) if to_type.is_standard else to_type.name
    return f"{one}_to_{other}"


def associations_body(record: Record, linked: dict[Any, list[Record]], types: list[ObjectType]) -> dict[str, Any]:
    """HubSpot's `associations`: {"companies": {"results": [{"id": "...", "type": "contact_to_company"}]}};
    a type without links is left out, as HubSpot does."""
    body = {}
    for to_type in types:
        others = linked.get(to_type.pk, [])
        if others:
            kind = association_type_name(record.object_type, to_type)
            body[to_type.name] = {"results": [{"id": str(other.number), "type": kind} for other in others]}
    return body


def object_body(
    view: RecordView,
    *,
    built_in: tuple[str, ...] = BUILT_IN,
    archived: bool = False,
    owner: bool = False,
    associations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """{id, properties, createdAt, updatedAt, archived} (+ restrictedProperties, unreadableProperties);
    `owner` adds hubspot_owner_id, `associations` HubSpot's associations of the object."""
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
    if owner:
        properties[OWNER] = owner_number(record)
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
    if associations:
        body["associations"] = associations
    return body


def paging(after: str, link: str) -> dict[str, Any]:
    return {"next": {"after": after, "link": link}}


def batch_body(results: list[dict[str, Any]], started_at: dt.datetime, *, errors: list[dict] | None = None) -> dict:
    """HubSpot's BatchResponseSimplePublicObject (…WithErrors when some inputs failed: numErrors, errors)."""
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "requestedAt": timestamp(started_at),
        "startedAt": timestamp(started_at),
        "completedAt": timestamp(dt.datetime.now(dt.UTC)),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return body


def not_found_error(object_type: ObjectType, ids: list[str]) -> dict[str, Any]:
    """One StandardError of a batch for the ids not found: missing, archived, foreign or out of scope alike."""
    kind = SINGULAR.get(object_type.name, object_type.name).upper()
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not get some {kind} objects, they may be deleted or not exist. Check that ids are valid.",
        "context": {"ids": ids},
    }
