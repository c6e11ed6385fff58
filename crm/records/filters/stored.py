"""Filters kept in the database (lists; next, workflows): checked when saved, stored with the
values of every filter on a sensitive property sealed (sensitive/filter_values.py), opened in the
worker that evaluates them.

A stored filter is used by others than the one who saved it (a list is rebuilt by a worker as its
creator, and shown to colleagues), so it is held to more than a search: a filter on a highly
sensitive property is refused, as HubSpot refuses them in lists and workflows, since evaluating it
later would reveal values nobody confirmed a reveal for.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied

from crm.models import ObjectType, PropertyDefinition
from crm.records.filters.compiler import terms_of
from crm.records.filters.query import Filter, FilterQuery, query_parse
from crm.records.filters.resolvers import source_for
from crm.selectors import property_definitions_by_name
from sensitive.filter_values import FilterValueUnreadable, filter_value_open, filter_value_seal
from sensitive.matching import FilterRefused, RevealRequired

REDACTED = "REDACTED"

__all__ = ["FilterValueUnreadable", "query_check", "query_open", "query_seal", "query_shown"]


def _definitions_of(object_type: ObjectType, query: FilterQuery) -> dict[str, PropertyDefinition | None]:
    """Each filter's property (the associated record's, for associations.<type>.<property>)."""
    definitions = property_definitions_by_name(object_type=object_type)
    found = {}
    for f in query.filters:
        source = source_for(object_type, definitions, f.property_name)
        found[f.where] = source.definition if source is not None else None
    return found


def query_check(*, actor, object_type: ObjectType, query: FilterQuery, use: str = "lists") -> None:
    """Raises ValidationError for a bad filter and PermissionDenied for one `actor` may not save:
    a sensitive property it may not view (the compiler's rule), or any highly sensitive one."""
    definitions = property_definitions_by_name(object_type=object_type)
    groups = terms_of(object_type=object_type, definitions=definitions, query=query)
    for _, source in (pair for group in groups for pair in group):
        definition = source.definition
        if definition.is_highly_sensitive:
            raise FilterRefused(
                f"{definition.label} ({definition.name}) is highly sensitive: highly sensitive properties "
                f"can't be used in {use}.",
                definition,
            )
        try:
            source.check(actor, reveal=False)
        except RevealRequired as exc:  # pragma: no cover - highly sensitive is refused above
            raise PermissionDenied(str(exc)) from None


def _json(f: Filter) -> dict[str, Any]:
    body: dict[str, Any] = {"propertyName": f.property_name, "operator": f.operator.value}
    if f.value is not None:
        body["value"] = f.value
    if f.values:
        body["values"] = list(f.values)
    if f.high_value is not None:
        body["highValue"] = f.high_value
    return body


def _sensitive(definition: PropertyDefinition | None) -> bool:
    return definition is not None and definition.pk is not None and definition.is_sensitive


def query_seal(*, object_type: ObjectType, query: FilterQuery, holder: str, holder_id: uuid.UUID) -> dict:
    """{"filterGroups": [...]} to store: a sensitive property's filter keeps its property and
    operator, and its values only sealed to (holder, holder_id, property)."""
    definitions = _definitions_of(object_type, query)
    groups = []
    for group in query.groups:
        filters = []
        for f in group:
            body, definition = _json(f), definitions.get(f.where)
            if _sensitive(definition):
                values = {key: body.pop(key) for key in ("value", "values", "highValue") if key in body}
                body["sealed"] = filter_value_seal(
                    holder=holder, holder_id=holder_id, definition=definition, value=values
                )
            filters.append(body)
        groups.append({"filters": filters})
    return {"filterGroups": groups}


def _stored_groups(stored: dict) -> list:
    return [
        dict(group, filters=[dict(f) for f in group.get("filters", [])]) for group in stored.get("filterGroups", [])
    ]


def query_open(*, object_type: ObjectType, stored: dict, holder: str, holder_id: uuid.UUID) -> FilterQuery:
    """The stored query with its sealed values opened (in memory, in the worker that evaluates it).
    Raises FilterValueUnreadable when a sealed value does not open."""
    groups = _stored_groups(stored)
    bare = query_parse(groups)
    definitions = _definitions_of(object_type, bare) if any("sealed" in f for g in groups for f in g["filters"]) else {}
    for g, group in enumerate(groups):
        for i, f in enumerate(group["filters"]):
            sealed = f.pop("sealed", None)
            if sealed is None:
                continue
            definition = definitions.get(f"filterGroups[{g}].filters[{i}]")
            if not _sensitive(definition):
                raise FilterValueUnreadable(f"The stored filter on {f.get('propertyName', '')[:63]!r} can't be read.")
            f.update(filter_value_open(holder=holder, holder_id=holder_id, definition=definition, sealed=sealed))
    return query_parse(groups)


def query_shown(stored: dict) -> list:
    """The stored filterGroups to show: a sealed value as "REDACTED" (as HubSpot's webhooks show a
    sensitive value); the values can be set again, not read back."""
    groups = _stored_groups(stored)
    for group in groups:
        for f in group["filters"]:
            if f.pop("sealed", None) is not None:
                f["value"] = REDACTED
    return groups
