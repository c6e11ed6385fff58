"""Property definitions and groups as HubSpot's properties API shows and takes them.

Our data types map to HubSpot's (type, fieldType) and back:

    string       ("string", "text")       also accepted: ("string", "textarea"), read back as text
    number       ("number", "number")
    date         ("date", "date")
    datetime     ("datetime", "date")
    bool         ("bool", "booleancheckbox")
    enumeration  ("enumeration", "select")  also accepted: ("enumeration", "radio"), read back as select
    file         ("string", "file")

What we can't store is refused with a 400 naming the field: several options at once
(fieldType checkbox), calculated properties, external options, hidden properties and options.
formField is accepted and not kept: there are no forms yet; nor is an option's description. Sensitivity is HubSpot's
dataSensitivity (non_sensitive, sensitive, highly_sensitive); `searchableInGlobalSearch` (HubSpot's
name, from its schema API) is our `searchable`: a sensitive property's blind index.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import serializers

from crm.api import errors
from crm.api.shapes import timestamp
from crm.models import ObjectType, PropertyDefinition, PropertyGroup
from crm.schema import STAGE_PROPERTY, group_name_from_label
from crm.services.common import DUPLICATE

T = PropertyDefinition.DataType
SENSITIVITY_OUT = {"none": "non_sensitive", "sensitive": "sensitive", "highly_sensitive": "highly_sensitive"}
SENSITIVITY_IN = {value: key for key, value in SENSITIVITY_OUT.items()}
TYPES_OUT = {
    T.STRING: ("string", "text"),
    T.NUMBER: ("number", "number"),
    T.DATE: ("date", "date"),
    T.DATETIME: ("datetime", "date"),
    T.BOOL: ("bool", "booleancheckbox"),
    T.ENUMERATION: ("enumeration", "select"),
    T.FILE: ("string", "file"),
}
TYPES_IN = {
    "string": {"text": T.STRING, "textarea": T.STRING, "file": T.FILE},
    "number": {"number": T.NUMBER},
    "date": {"date": T.DATE},
    "datetime": {"date": T.DATETIME},
    "bool": {"booleancheckbox": T.BOOL},
    "enumeration": {"select": T.ENUMERATION, "radio": T.ENUMERATION},
}
CANT_STORE = {
    "checkbox": "holds several options at once; a property here holds one option (use select or radio)",
    "calculation_equation": "is computed by a formula; calculated properties are not supported",
}
BOOL_OPTIONS = [{"value": "true", "label": "Yes"}, {"value": "false", "label": "No"}]
# Read-only properties every object has, computed from the record (crm/api/shapes.BUILT_IN).
BUILT_IN = {
    "hs_object_id": ("Record ID", T.NUMBER),
    "createdate": ("Create date", T.DATETIME),
    "lastmodifieddate": ("Last modified date", T.DATETIME),
}
# Our field names -> HubSpot's, for error items' `in`.
FIELDS = {
    "data_type": "type",
    "sensitivity": "dataSensitivity",
    "group": "groupName",
    "has_unique_value": "hasUniqueValue",
    "position": "displayOrder",
    "searchable": "searchableInGlobalSearch",
    "label_singular": "labels.singular",
    "label_plural": "labels.plural",
    "display": "primaryDisplayProperty",
    "display_properties": "primaryDisplayProperty",
    "secondary": "secondaryDisplayProperties",
    "secondary_display_properties": "secondaryDisplayProperties",
    "required_properties": "requiredProperties",
    "searchable_properties": "searchableProperties",
    "associated_type_ids": "associatedObjects",
}


def data_type_of(type_: str, field_type: str) -> str:
    """Our data type for HubSpot's (type, fieldType); a ValidationError naming the field otherwise."""
    if type_ not in TYPES_IN:
        raise ValidationError({"type": f"type must be one of {', '.join(TYPES_IN)}."})
    if field_type in CANT_STORE:
        raise ValidationError({"fieldType": f"fieldType {field_type} {CANT_STORE[field_type]}."})
    if field_type not in TYPES_IN[type_]:
        raise ValidationError(
            {"fieldType": f"A property of type {type_} takes fieldType {' or '.join(TYPES_IN[type_])}."}
        )
    return TYPES_IN[type_][field_type]


def options_in(options: list[dict[str, Any]], data_type: str) -> list[dict[str, str]]:
    """HubSpot's options (displayOrder, hidden) as ours: [{value, label}] in display order.

    A bool property's options are HubSpot's fixed true/false pair: accepted and not stored.
    """
    for index, option in enumerate(options):
        if option.get("hidden"):
            raise ValidationError({f"options[{index}].hidden": "Options can't be hidden here."})
    if data_type == T.BOOL:
        if {str(option.get("value", "")).lower() for option in options} - {"true", "false"}:
            raise ValidationError({"options": "A bool property's options are only true and false."})
        return []
    order = sorted(
        range(len(options)),
        key=lambda i: (options[i].get("displayOrder", -1) < 0, options[i].get("displayOrder", -1), i),
    )
    return [{"value": options[i]["value"], "label": options[i].get("label") or options[i]["value"]} for i in order]


def options_out(definition_options: list[dict[str, str]], data_type: str) -> list[dict[str, Any]]:
    options = BOOL_OPTIONS if data_type == T.BOOL else definition_options
    return [
        {"label": option["label"], "value": option["value"], "displayOrder": index, "hidden": False}
        for index, option in enumerate(options)
    ]


def group_names(object_type: ObjectType) -> dict[str, str]:
    """{label: name} of the object type's groups."""
    return dict(PropertyGroup.objects.filter(object_type=object_type).values_list("label", "name"))


def group_label_of(object_type: ObjectType, group_name: str) -> str:
    """The label of the group named `group_name`: what the services take; a 400 for an unknown group."""
    label = PropertyGroup.objects.filter(object_type=object_type, name=group_name).values_list("label", flat=True)
    if not label:
        raise ValidationError({"groupName": f"{object_type.label_plural} have no property group named {group_name!r}."})
    return label[0]


def property_body(definition: PropertyDefinition, groups: dict[str, str]) -> dict[str, Any]:
    """HubSpot's Property; `groups` is group_names() of its object type."""
    type_, field_type = TYPES_OUT.get(definition.data_type, ("string", "text"))
    standard = definition.is_standard
    body = {
        "name": definition.name,
        "label": definition.label,
        "type": type_,
        "fieldType": field_type,
        "description": definition.description,
        "groupName": groups.get(definition.group)
        or (group_name_from_label(definition.group) if definition.group else ""),
        "options": options_out(definition.options, definition.data_type),
        "displayOrder": definition.position,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": definition.has_unique_value,
        "hidden": False,
        "hubspotDefined": standard,
        "formField": False,
        "dataSensitivity": SENSITIVITY_OUT[definition.sensitivity],
        "searchableInGlobalSearch": definition.searchable,
        "modificationMetadata": {
            "archivable": not standard,
            "readOnlyDefinition": False,
            "readOnlyValue": False,
            "readOnlyOptions": STAGE_PROPERTY.get(definition.object_type.name) == definition.name,
        },
        "createdAt": timestamp(definition.created_at),
        "updatedAt": timestamp(definition.updated_at),
        "archived": definition.archived_at is not None,
    }
    if definition.archived_at is not None:
        body["archivedAt"] = timestamp(definition.archived_at)
    return body


def built_in_body(object_type: ObjectType, name: str, groups: dict[str, str]) -> dict[str, Any]:
    label, data_type = BUILT_IN[name]
    type_, field_type = TYPES_OUT[data_type]
    return {
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field_type,
        "description": "",
        "groupName": next(iter(groups.values()), ""),
        "options": [],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": name == "hs_object_id",
        "hidden": False,
        "hubspotDefined": True,
        "formField": False,
        "dataSensitivity": "non_sensitive",
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": True,
            "readOnlyOptions": True,
        },
        "createdAt": timestamp(object_type.created_at),
        "updatedAt": timestamp(object_type.created_at),
        "archived": False,
    }


def group_body(group: PropertyGroup) -> dict[str, Any]:
    return {"name": group.name, "label": group.label, "displayOrder": group.position, "archived": False}


# --- errors ---


def _field(name: str) -> str:
    """A service's field name in HubSpot's words: "properties[2].data_type" -> "properties[2].type"."""
    head, dot, last = name.rpartition(".")
    return f"{head}{dot}{FIELDS.get(last, last)}"


def api_error(exc: ValidationError, *, message: str = "") -> errors.ApiError:
    """A service's ValidationError in HubSpot's shape, fields in HubSpot's names; 409 for a taken name."""
    if not hasattr(exc, "error_dict"):
        return errors.invalid(exc, prefix="", message=message)
    fields = {}
    taken = False
    for field, field_errors in exc.error_dict.items():
        fields[_field(field) if field != "__all__" else field] = [e for error in field_errors for e in error.messages]
        taken = taken or any(error.code == DUPLICATE for error in field_errors)
    error = errors.invalid(ValidationError(fields), prefix="", message=message)
    if taken:
        error.status_code, error.category = 409, "OBJECT_ALREADY_EXISTS"
    return error


def serializer_items(detail: Any, where: str = "") -> list[dict[str, Any]]:
    """DRF serializer errors as HubSpot error items, `in` naming the field ("options[1].value")."""
    if isinstance(detail, dict):
        return [item for key, value in detail.items() for item in serializer_items(value, _join(where, key))]
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                items += serializer_items(value, f"{where}[{index}]")
            else:
                code = "REQUIRED" if getattr(value, "code", "") == "required" else "INVALID_INPUT"
                items.append({"message": str(value), "code": code, **({"in": where} if where else {})})
        return items
    return [{"message": str(detail), "code": "INVALID_INPUT", **({"in": where} if where else {})}]


def _join(where: str, key: str | int) -> str:
    if key in ("non_field_errors", "__all__"):
        return where
    if isinstance(key, int):  # an item of a list (DRF keys a list's item errors by index)
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def parsed(serializer_class: type[serializers.Serializer], data: Any, *, where: str = "") -> dict[str, Any]:
    """The validated body, or a 400 in HubSpot's shape with one item per bad field."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    items = serializer_items(serializer.errors, where)
    text = "Invalid input: " + "; ".join(f"{item.get('in', '')}: {item['message']}".lstrip(": ") for item in items)
    raise errors.ApiError(text[:2000], errors=items)
