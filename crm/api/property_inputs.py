"""The properties API's inputs: which tier scopes a call needs, and HubSpot's property bodies as the
schema services' arguments (see crm/api/property_io.py for the type mapping)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts import scopes as api_scopes
from crm import services
from crm.api import errors, property_io
from crm.api.base import ApiView
from crm.models import ObjectType, PropertyDefinition
from crm.selectors import property_definitions

NONE = api_scopes.NONE


# --- scopes of sensitive tiers ---


def tier_scopes(object_type: ObjectType, tier: str, access: str) -> list[str]:
    return api_scopes.object_scopes_needed(
        object_type.name, is_standard=object_type.is_standard, access=access, tier=tier
    )


def allowlisted(request, object_type: ObjectType, name: str) -> bool:
    """Whether the app's sensitive allowlist, when it has one, names the property ("contacts.salary")."""
    allowlist = getattr(request.auth, "sensitive_allowlist", None) or []
    return not allowlist or f"{object_type.name}.{name}" in allowlist


def require_tier(view: ApiView, request, object_type: ObjectType, tier: str, access: str, name: str = "") -> None:
    """403 unless the token holds `access` of the sensitive `tier` on the type (nothing for none) and,
    for the property `name`, its allowlist (when it has one) names it: an allowlisted app reads and
    changes the definitions of those sensitive properties only, and makes no new ones."""
    if tier == NONE:
        return
    needed = tier_scopes(object_type, tier, access)
    view.require(request, needed)
    if name and not allowlisted(request, object_type, name):
        key = f"{object_type.name}.{name}"
        raise errors.missing_scopes(needed, prop=name, message=f"This app's sensitive allowlist does not name {key}.")


def readable_tiers(view: ApiView, request, object_type: ObjectType) -> set[str]:
    granted = view.granted(request)
    return {NONE} | {
        tier
        for tier in (api_scopes.SENSITIVE, api_scopes.HIGHLY_SENSITIVE)
        if api_scopes.may(granted, tier_scopes(object_type, tier, api_scopes.READ))
    }


def readable(view: ApiView, request, object_type: ObjectType, definitions) -> list[PropertyDefinition]:
    """The definitions the token may read: non-sensitive ones, and those of its tiers and allowlist."""
    tiers = readable_tiers(view, request, object_type)
    return [
        definition
        for definition in definitions
        if definition.sensitivity in tiers
        and (not definition.is_sensitive or allowlisted(request, object_type, definition.name))
    ]


def tier_asked(value: str | None) -> str:
    """Our sensitivity for a `dataSensitivity` parameter (none when absent); a 400 otherwise."""
    if value is None or value == "":
        return NONE
    if value not in property_io.SENSITIVITY_IN:
        raise errors.ApiError(
            "dataSensitivity must be non_sensitive, sensitive or highly_sensitive.",
            errors=[{"message": "Unknown data sensitivity.", "in": "dataSensitivity", "code": "INVALID_INPUT"}],
        )
    return property_io.SENSITIVITY_IN[value]


# --- bodies in, services' arguments out ---


def _refusals(data: dict[str, Any]) -> dict[str, str]:
    refused = {}
    if data.get("hidden"):
        refused["hidden"] = "Properties can't be hidden here."
    if data.get("calculationFormula"):
        refused["calculationFormula"] = "Calculated properties are not supported."
    if data.get("externalOptions"):
        refused["externalOptions"] = "Options must be stored with the property."
    if data.get("referencedObjectType"):
        refused["referencedObjectType"] = "Properties that reference another object type are not supported."
    return refused


def property_arguments(
    object_type: ObjectType | None, data: dict[str, Any], *, current: PropertyDefinition | None = None
) -> dict[str, Any]:
    """A parsed PropertyCreate (or PropertyUpdate when `current` is given) as the services' arguments;
    a ValidationError naming HubSpot's fields for whatever we can't store."""
    problems: dict[str, Any] = _refusals(data)
    arguments: dict[str, Any] = {}
    data_type = current.data_type if current is not None else None
    if "type" in data or "fieldType" in data:
        type_out, field_type_out = property_io.TYPES_OUT[data_type] if data_type else ("", "")
        try:
            asked = property_io.data_type_of(data.get("type", type_out), data.get("fieldType", field_type_out))
        except ValidationError as exc:
            problems.update(exc.message_dict)
        else:
            if current is not None and asked != current.data_type:
                problems["type"] = "A property's type can't change: its stored values and filters depend on it."
            data_type = asked
    if "options" in data and data_type is not None:
        try:
            arguments["options"] = property_io.options_in(data["options"], data_type)
        except ValidationError as exc:
            problems.update(exc.message_dict)
    if data.get("groupName") and object_type is not None:
        try:
            arguments["group"] = property_io.group_label_of(object_type, data["groupName"])
        except ValidationError as exc:
            problems.update(exc.message_dict)
    if problems:
        raise ValidationError(problems)
    for ours, theirs in (("name", "name"), ("label", "label"), ("description", "description")):
        if theirs in data:
            arguments[ours] = data[theirs]
    if "displayOrder" in data and data["displayOrder"] >= 0:
        arguments["position"] = data["displayOrder"]
    if "dataSensitivity" in data:
        arguments["sensitivity"] = property_io.SENSITIVITY_IN[data["dataSensitivity"]]
    if current is None:
        arguments.update(
            data_type=data_type,
            has_unique_value=data.get("hasUniqueValue", False),
            searchable=data.get("searchableInGlobalSearch", False),
        )
    return arguments


def definition_of(object_type: ObjectType, name: str, *, archived: bool = False) -> PropertyDefinition:
    definition = (
        property_definitions(object_type=object_type, archived=archived)
        .select_related("object_type")
        .filter(name=name)
        .first()
    )
    if definition is None:
        raise errors.not_found(f"Property {name[:100]} does not exist.", name=[name[:100]])
    return definition


def create(request, object_type: ObjectType, data: dict[str, Any]) -> PropertyDefinition:
    try:
        return services.property_definition_create(
            actor=request.user, object_type=object_type, **property_arguments(object_type, data)
        )
    except ValidationError as exc:
        raise property_io.api_error(exc) from None


def read_only(name: str) -> errors.ApiError:
    return errors.ApiError(
        f"{name} is computed from the record and can't be changed.",
        errors=[{"message": "A read-only property.", "in": "propertyName", "code": "READ_ONLY_PROPERTY"}],
    )
