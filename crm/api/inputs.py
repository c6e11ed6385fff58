"""Query parameters and bodies of the API, parsed the way HubSpot reads them."""

from __future__ import annotations

from crm.api.shapes import BUILT_IN, DEFAULT_PROPERTIES
from crm.models import ObjectType, PropertyDefinition
from crm.selectors import property_definitions


def listed(request, name: str) -> list[str]:
    """A list parameter, repeated (`properties=a&properties=b`) or comma-separated, or both."""
    values = []
    for value in request.query_params.getlist(name):
        values += [part.strip() for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(values))


def flag(request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes")


def definitions_by_name(object_type: ObjectType) -> dict[str, PropertyDefinition]:
    return {definition.name: definition for definition in property_definitions(object_type=object_type)}


def properties_to_read(
    object_type: ObjectType, asked: list[str], definitions: dict[str, PropertyDefinition]
) -> list[str]:
    """The stored properties to read: those asked for that exist (HubSpot ignores unknown names on
    reads), or HubSpot's default set for the type when none were asked for."""
    if not asked:
        asked = list(DEFAULT_PROPERTIES.get(object_type.name, object_type.display_properties))
    return [name for name in asked if name in definitions and name not in BUILT_IN]


def highly_sensitive_of(names: list[str], definitions: dict[str, PropertyDefinition]) -> list[str]:
    """Highly sensitive properties among `names`: the read of these is a reveal, audited as one."""
    return [name for name in names if definitions[name].is_highly_sensitive]
