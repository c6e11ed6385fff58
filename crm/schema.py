"""The standard object types, properties and pipelines seeded for every tenant.

Standard properties are ordinary definitions with `is_standard` set, not special code paths.
"""

from __future__ import annotations

S, N, D, E = "string", "number", "date", "enumeration"
# (object type, property) of standard properties whose value names one record, as HubSpot's
# hasUniqueValue: the REST API's idProperty can look records up by them.
UNIQUE_STANDARD_PROPERTIES = {("contacts", "email"), ("companies", "domain")}
# Properties every record has, computed from it (the REST API's hs_object_id, createdate,
# lastmodifieddate): no property definition may take their names.
BUILT_IN_PROPERTIES = ("hs_object_id", "createdate", "lastmodifieddate")

LIFECYCLE_STAGES = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketing_qualified_lead", "Marketing qualified lead"),
    ("sales_qualified_lead", "Sales qualified lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
]
TICKET_PRIORITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("urgent", "Urgent")]

DEAL_STAGES = [
    # name, label, probability, is_closed
    ("appointment_scheduled", "Appointment scheduled", "0.200", False),
    ("qualified_to_buy", "Qualified to buy", "0.400", False),
    ("presentation_scheduled", "Presentation scheduled", "0.600", False),
    ("decision_maker_bought_in", "Decision maker bought in", "0.800", False),
    ("contract_sent", "Contract sent", "0.900", False),
    ("closed_won", "Closed won", "1.000", True),
    ("closed_lost", "Closed lost", "0.000", True),
]
TICKET_STATUSES = [
    ("new", "New", None, False),
    ("waiting_on_contact", "Waiting on contact", None, False),
    ("waiting_on_us", "Waiting on us", None, False),
    ("closed", "Closed", None, True),
]


def _options(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": value, "label": label} for value, label in pairs]


def _stage_options(stages: list[tuple]) -> list[dict[str, str]]:
    return [{"value": name, "label": label} for name, label, *_ in stages]


# name, label_singular, label_plural, display_properties, properties
# property: (name, label, data_type, group, options, required)
STANDARD_OBJECT_TYPES = [
    {
        "name": "contacts",
        "label_singular": "Contact",
        "label_plural": "Contacts",
        "display_properties": ["firstname", "lastname"],
        "properties": [
            ("email", "Email", S, "Contact information", [], False),
            ("firstname", "First name", S, "Contact information", [], False),
            ("lastname", "Last name", S, "Contact information", [], False),
            ("phone", "Phone number", S, "Contact information", [], False),
            ("lifecyclestage", "Lifecycle stage", E, "Contact information", _options(LIFECYCLE_STAGES), False),
        ],
    },
    {
        "name": "companies",
        "label_singular": "Company",
        "label_plural": "Companies",
        "display_properties": ["name"],
        "properties": [
            ("name", "Company name", S, "Company information", [], True),
            ("domain", "Company domain", S, "Company information", [], False),
        ],
    },
    {
        "name": "deals",
        "label_singular": "Deal",
        "label_plural": "Deals",
        "display_properties": ["dealname"],
        "pipeline": ("default", "Sales pipeline", DEAL_STAGES),
        "properties": [
            ("dealname", "Deal name", S, "Deal information", [], True),
            ("amount", "Amount", N, "Deal information", [], False),
            ("dealstage", "Deal stage", E, "Deal information", _stage_options(DEAL_STAGES), False),
            ("closedate", "Close date", D, "Deal information", [], False),
        ],
    },
    {
        "name": "tickets",
        "label_singular": "Ticket",
        "label_plural": "Tickets",
        "display_properties": ["subject"],
        "pipeline": ("support", "Support pipeline", TICKET_STATUSES),
        "properties": [
            ("subject", "Ticket name", S, "Ticket information", [], True),
            ("status", "Ticket status", E, "Ticket information", _stage_options(TICKET_STATUSES), False),
            ("priority", "Priority", E, "Ticket information", _options(TICKET_PRIORITIES), False),
        ],
    },
]

# The enumeration property whose options mirror the stages of an object type's pipelines.
STAGE_PROPERTY = {"deals": "dealstage", "tickets": "status"}


def group_name_from_label(label: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """An internal group name made from a heading, as HubSpot's ("Contact information" -> "contactinformation")."""
    base = "".join(ch for ch in label.lower() if ch.isascii() and ch.isalnum())[:60] or "group"
    if not base[0].isalpha():
        base = f"group{base}"[:60]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name
