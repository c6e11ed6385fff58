"""Query parameters and bodies of the API, parsed the way HubSpot reads them."""

from __future__ import annotations

from django.core import signing

from crm.api import errors, resolve
from crm.api.shapes import BUILT_IN, DEFAULT_PROPERTIES
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import lookup
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
    """The type's property definitions, loaded once per request: kept on the ObjectType instance,
    which lives as long as the request that resolved it (crm/api/resolve.py)."""
    cached = getattr(object_type, "_api_definitions", None)
    if cached is None:
        cached = {definition.name: definition for definition in property_definitions(object_type=object_type)}
        object_type._api_definitions = cached
    return cached


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


# --- paging -------------------------------------------------------------------------------------

CURSOR_SALT = "crm.api.objects.after"


def limit_of(request, *, default: int = 10, maximum: int = 100) -> int:
    text = (request.query_params.get("limit") or "").strip()
    if not text:
        return default
    number = resolve.whole_number(text)
    if number is None or not 1 <= number <= maximum:
        raise errors.ApiError(
            f"limit must be a whole number from 1 to {maximum}.",
            errors=[{"message": f"A number from 1 to {maximum}.", "in": "limit", "code": "INVALID_LIMIT"}],
        )
    return number


def after_token(object_type: ObjectType, number: int, archived: bool) -> str:
    """An opaque, signed `after`: the last number of a page, bound to its object type and archived flag."""
    return signing.Signer(salt=CURSOR_SALT).sign_object([object_type.type_id, int(number), bool(archived)])


def after_of(request, object_type: ObjectType, archived: bool) -> int | None:
    """The number a list resumes after; 400 for a cursor that was tampered with, is malformed, or
    belongs to another object type or to the other side of `archived`."""
    text = (request.query_params.get("after") or "").strip()
    if not text:
        return None
    try:
        type_id, number, was_archived = signing.Signer(salt=CURSOR_SALT).unsign_object(text[:500])
        if type_id != object_type.type_id or was_archived is not archived or type(number) is not int:
            raise ValueError("a cursor of another list")
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise errors.ApiError(
            "The paging cursor `after` is not valid: use paging.next.after of the previous page as it is.",
            errors=[{"message": "Not a cursor of this list.", "in": "after", "code": "INVALID_CURSOR"}],
        ) from None
    return number


# --- records by id or by a unique property -----------------------------------------------------------


def id_property_of(
    name: str | None, definitions: dict[str, PropertyDefinition], *, where: str = "idProperty"
) -> PropertyDefinition | None:
    """The property ids are values of (None: the numeric id); 400 unless unique and not sensitive."""
    if name is not None and not isinstance(name, str):  # a JSON body can hold anything here
        raise errors.ApiError(
            "idProperty must be the name of a property.",
            errors=[{"message": "Not a property name.", "in": where, "code": "INVALID_ID_PROPERTY"}],
        )
    name = (name or "").strip()
    if not name or name == "hs_object_id":
        return None
    definition = definitions.get(name)
    if definition is None or not definition.has_unique_value or definition.is_sensitive:
        raise errors.ApiError(
            f"{name[:63]} cannot be an idProperty: it must be a property with unique values that is not sensitive.",
            errors=[{"message": "Not a unique, non-sensitive property.", "in": where, "code": "INVALID_ID_PROPERTY"}],
        )
    return definition


def records_of(
    actor, object_type: ObjectType, ids: list[str], id_property: PropertyDefinition | None, *, archived: bool = False
) -> dict[str, Record]:
    """{id as given: record} of the ids found; a malformed, missing, foreign or archived one is absent."""
    if id_property is None:
        numbers = {text: number for text in ids if (number := resolve.whole_number(text)) is not None}
        found = lookup.records_by_numbers(
            actor=actor, object_type=object_type, numbers=numbers.values(), archived=archived
        )
        return {text: found[number] for text, number in numbers.items() if number in found}
    found = lookup.records_by_unique_value(
        actor=actor, object_type=object_type, definition=id_property, values=ids, archived=archived
    )
    return {text: found[text.strip().lower()] for text in ids if text.strip().lower() in found}


def record_of(
    actor, object_type: ObjectType, object_id: str, id_property: PropertyDefinition | None, *, archived: bool = False
) -> Record:
    """One record by id (or idProperty value); 404 alike for missing, foreign and out-of-scope ones."""
    if id_property is None:
        number = resolve.record_number_of(object_id)
        try:
            return lookup.record_get_by_number(actor=actor, object_type=object_type, number=number, archived=archived)
        except Record.DoesNotExist:
            raise errors.not_found(id=[object_id[:100]]) from None
    found = records_of(actor, object_type, [object_id], id_property, archived=archived)
    if not found:
        raise errors.not_found(id=[object_id[:100]])
    return found[object_id]
