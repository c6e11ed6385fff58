"""HubSpot's defined association type ids between the standard object types (hubspot.crm.AssociationType).

Our links (crm.models.Association) have a free label and no type id, so each id maps to its pair of
object types; the "primary" ids (1, 2, 5, 6, 25, 26) are stored as plain links like the unlabeled
ones. Labels of the user-defined category (USER_DEFINED ids) come with the v4 associations API.
"""

from __future__ import annotations

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"

# associationTypeId -> (from object type, to object type)
TYPES: dict[int, tuple[str, str]] = {
    1: ("contacts", "companies"),
    279: ("contacts", "companies"),
    2: ("companies", "contacts"),
    280: ("companies", "contacts"),
    3: ("deals", "contacts"),
    4: ("contacts", "deals"),
    5: ("deals", "companies"),
    341: ("deals", "companies"),
    6: ("companies", "deals"),
    342: ("companies", "deals"),
    15: ("contacts", "tickets"),
    16: ("tickets", "contacts"),
    25: ("companies", "tickets"),
    340: ("companies", "tickets"),
    26: ("tickets", "companies"),
    339: ("tickets", "companies"),
    27: ("deals", "tickets"),
    28: ("tickets", "deals"),
}


def to_type_of(from_type: str, category: str, type_id: int) -> str | None:
    """The object type an association of this type id links `from_type` to; None if it is not one."""
    pair = TYPES.get(type_id) if category == HUBSPOT_DEFINED else None
    return pair[1] if pair is not None and pair[0] == from_type else None
