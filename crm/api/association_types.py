"""HubSpot's association types over our labels: which (category, typeId) a link's label is, per direction.

HubSpot types are one-directional: contact → company unlabeled is 279, company → contact 280. Our
links carry a label ("" for none) and read the same from both ends, so a label has one type id per
direction, as HubSpot's paired labels do. The ids:

- the unlabeled link between standard types: HubSpot's own default ids (HUBSPOT_DEFINED);
- "Primary" between a contact, deal or ticket and a company: HubSpot's primary company ids;
- any other label, and the unlabeled link of a custom object: an id derived from both type ids and
  the label (stable across requests and servers, above every HubSpot-defined id), USER_DEFINED for
  labels. HubSpot numbers custom labels per portal, so an integration reads them from
  GET /crm/v4/associations/{from}/{to}/labels either way.
"""

from __future__ import annotations

import zlib

from crm.models import ObjectType

HUBSPOT_DEFINED, USER_DEFINED = "HUBSPOT_DEFINED", "USER_DEFINED"
CATEGORIES = (HUBSPOT_DEFINED, USER_DEFINED, "INTEGRATOR_DEFINED")
PRIMARY = "Primary"

CONTACTS, COMPANIES, DEALS, TICKETS = "0-1", "0-2", "0-3", "0-5"
# https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/guide
UNLABELED = {
    (CONTACTS, COMPANIES): 279,
    (COMPANIES, CONTACTS): 280,
    (DEALS, CONTACTS): 3,
    (CONTACTS, DEALS): 4,
    (DEALS, COMPANIES): 341,
    (COMPANIES, DEALS): 342,
    (TICKETS, CONTACTS): 16,
    (CONTACTS, TICKETS): 15,
    (TICKETS, COMPANIES): 339,
    (COMPANIES, TICKETS): 340,
    (DEALS, TICKETS): 27,
    (TICKETS, DEALS): 28,
    (CONTACTS, CONTACTS): 449,
    (COMPANIES, COMPANIES): 450,
    (DEALS, DEALS): 451,
    (TICKETS, TICKETS): 452,
}
PRIMARY_COMPANY = {
    (CONTACTS, COMPANIES): 1,
    (COMPANIES, CONTACTS): 2,
    (DEALS, COMPANIES): 5,
    (COMPANIES, DEALS): 6,
    (TICKETS, COMPANIES): 26,
    (COMPANIES, TICKETS): 25,
}
DERIVED_FROM = 1_000_000  # every derived id is above HubSpot's own


def _pair(from_type: ObjectType, to_type: ObjectType) -> tuple[str, str]:
    return from_type.type_id, to_type.type_id


def _derived(pair: tuple[str, str], label: str) -> int:
    return DERIVED_FROM + zlib.crc32(f"{pair[0]}>{pair[1]}:{label}".encode()) % 1_000_000_000


def type_of(from_type: ObjectType, to_type: ObjectType, label: str) -> tuple[str, int]:
    """(category, typeId) of a link with `label`, read from `from_type` towards `to_type`."""
    pair = _pair(from_type, to_type)
    if label == "":
        return HUBSPOT_DEFINED, UNLABELED.get(pair) or _derived(pair, "")
    if label == PRIMARY and pair in PRIMARY_COMPANY:
        return HUBSPOT_DEFINED, PRIMARY_COMPANY[pair]
    return USER_DEFINED, _derived(pair, label)


def default_spec(from_type: ObjectType, to_type: ObjectType) -> dict:
    """HubSpot's AssociationSpec of the unlabeled link."""
    category, type_id = type_of(from_type, to_type, "")
    return {"associationCategory": category, "associationTypeId": type_id}


def types_with_labels(from_type: ObjectType, to_type: ObjectType, labels) -> list[dict]:
    """HubSpot's AssociationSpecWithLabel of each label: the unlabeled one first (label null)."""
    specs = []
    for label in sorted(labels, key=lambda label: (label != "", label)):
        category, type_id = type_of(from_type, to_type, label)
        specs.append({"category": category, "typeId": type_id, "label": label or None})
    return specs


def definitions(from_type: ObjectType, to_type: ObjectType, labels_in_use) -> list[dict]:
    """Every type an integration may use between two object types: unlabeled, Primary, labels in use."""
    labels = {"", *labels_in_use}
    if _pair(from_type, to_type) in PRIMARY_COMPANY:
        labels.add(PRIMARY)
    return types_with_labels(from_type, to_type, labels)


def label_of(from_type: ObjectType, to_type: ObjectType, category: str, type_id: int, labels_in_use) -> str | None:
    """The label a (category, typeId) of HubSpot's names between two object types; None if it is none."""
    for spec in definitions(from_type, to_type, labels_in_use):
        if (spec["category"], spec["typeId"]) == (category, type_id):
            return spec["label"] or ""
    return None


_STANDARD_NAMES = {CONTACTS: "contacts", COMPANIES: "companies", DEALS: "deals", TICKETS: "tickets"}


def to_type_of(from_type: str, category: str, type_id: int) -> str | None:
    """The standard object type a HubSpot-defined type id links `from_type` (a name) to; None if none.

    For bodies that name only the type id (create with `associations`), not the target's type.
    """
    if category != HUBSPOT_DEFINED:
        return None
    for table in (UNLABELED, PRIMARY_COMPANY):
        for (source, target), known in table.items():
            if known == type_id and _STANDARD_NAMES.get(source) == from_type:
                return _STANDARD_NAMES.get(target)
    return None
