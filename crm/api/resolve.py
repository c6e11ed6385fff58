"""Path parameters of the API: object types by name or HubSpot type id, records by numeric id.

A missing object and another tenant's are the same 404 (the query starts from the token's tenant).
"""

from __future__ import annotations

from crm.api import errors
from crm.models import ObjectType
from crm.selectors import object_type_list

# HubSpot accepts singular names and a few aliases for the standard types.
ALIASES = {"contact": "contacts", "company": "companies", "deal": "deals", "ticket": "tickets"}


def object_type_of(actor, name_or_id: str) -> ObjectType:
    """The object type named `name_or_id` ("contacts", "0-1", "2-1234", "p_cars"...); 404 otherwise."""
    text = (name_or_id or "").strip().lower()
    types = object_type_list(actor=actor)
    if text[:2] in ("0-", "2-"):
        found = types.filter(type_id=text).first()
    else:
        text = ALIASES.get(text, text)
        # HubSpot's fully qualified custom names are "p<portal id>_<name>": the name after the prefix.
        found = types.filter(name=text).first()
        if found is None and text.startswith("p") and "_" in text:
            found = types.filter(name=text.partition("_")[2], is_standard=False).first()
    if found is None:
        raise errors.ApiError(
            f"Unable to infer object type from: {name_or_id[:100]}",
            status_code=400,
            category=errors.VALIDATION_ERROR,
            errors=[{"message": "Unknown object type.", "in": "objectType", "code": "UNKNOWN_OBJECT_TYPE"}],
        )
    return found


def whole_number(text: str) -> int | None:
    """ASCII digits, at most 18 of them, as a number; None for anything else (str.isdigit() takes
    a superscript two, which int() refuses, and int() reads an Arabic-Indic one as 1)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def record_number_of(text: str) -> int:
    """A numeric object id from the path; 404 for anything else (as for a missing one)."""
    text = (text or "").strip()
    number = whole_number(text)
    if number is None:
        raise errors.not_found(id=[text[:40]])
    return number
