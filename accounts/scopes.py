"""The REST API's scopes, with HubSpot's names, and what each lets a private app do.

Object scopes come in three tiers: the plain one (`crm.objects.contacts.read`) covers non-sensitive
properties; `.sensitive.` adds sensitive ones and `.highly_sensitive.` both tiers, as HubSpot's
sensitive data scopes do. Tickets have one scope per tier for reading and writing (`tickets`,
`tickets.sensitive`, `tickets.highly_sensitive`), custom objects share `crm.objects.custom.*`.
HubSpot's `.v2` spellings of the sensitive scopes are accepted and stored without the suffix.
"""

from __future__ import annotations

from collections.abc import Iterable

READ, WRITE = "read", "write"
NONE, SENSITIVE, HIGHLY_SENSITIVE = "none", "sensitive", "highly_sensitive"
STANDARD_FAMILIES = {
    "contacts": "crm.objects.contacts",
    "companies": "crm.objects.companies",
    "deals": "crm.objects.deals",
}
CUSTOM_FAMILY = "crm.objects.custom"
TICKETS = "tickets"


def _object_scopes() -> dict[str, str]:
    scopes = {}
    for type_name, family in [*STANDARD_FAMILIES.items(), ("custom objects", CUSTOM_FAMILY)]:
        for access in (READ, WRITE):
            verb = "Read" if access == READ else "Create, change and archive"
            scopes[f"{family}.{access}"] = f"{verb} {type_name} (non-sensitive properties)"
            scopes[f"{family}.sensitive.{access}"] = f"{verb} sensitive properties of {type_name}"
            scopes[f"{family}.highly_sensitive.{access}"] = (
                f"{verb} sensitive and highly sensitive properties of {type_name}"
            )
    scopes[TICKETS] = "Read and write tickets (non-sensitive properties)"
    scopes[f"{TICKETS}.sensitive"] = "Read and write sensitive properties of tickets"
    scopes[f"{TICKETS}.highly_sensitive"] = "Read and write sensitive and highly sensitive properties of tickets"
    return scopes


def _schema_scopes() -> dict[str, str]:
    scopes = {}
    for type_name in ("contacts", "companies", "deals", "tickets", "custom"):
        scopes[f"crm.schemas.{type_name}.read"] = f"Read the properties of {type_name}" + (
            " and the custom object schemas" if type_name == "custom" else ""
        )
        scopes[f"crm.schemas.{type_name}.write"] = f"Create and change the properties of {type_name}" + (
            " and the custom object schemas" if type_name == "custom" else ""
        )
    return scopes


SCOPES: dict[str, str] = {
    **_object_scopes(),
    **_schema_scopes(),
    "crm.objects.owners.read": "Read the users who own records",
    "crm.lists.read": "Read lists and their members",
    "crm.lists.write": "Create and change lists and their members",
    "crm.import": "Import records",
    "crm.export": "Export records",
    "forms": "Read forms and their submissions",
}


class UnknownScope(ValueError):
    pass


def scope_canonical(scope: str) -> str:
    """The stored name of a scope; raises UnknownScope for a name that is not one of ours."""
    scope = scope.strip()
    if scope.endswith(".v2") and (".sensitive" in scope or ".highly_sensitive" in scope):
        scope = scope.removesuffix(".v2")
    if scope not in SCOPES:
        raise UnknownScope(f"{scope[:100]!r} is not a scope.")
    return scope


def scopes_clean(scopes: Iterable[str]) -> list[str]:
    """Canonical, deduplicated, sorted; UnknownScope names the first unknown one."""
    return sorted({scope_canonical(scope) for scope in scopes if scope.strip()})


def family_of(object_type_name: str, *, is_standard: bool) -> str:
    if object_type_name == "tickets" and is_standard:
        return TICKETS
    if is_standard and object_type_name in STANDARD_FAMILIES:
        return STANDARD_FAMILIES[object_type_name]
    return CUSTOM_FAMILY


def object_scopes_needed(object_type_name: str, *, is_standard: bool, access: str, tier: str = NONE) -> list[str]:
    """The scopes any one of which lets an app `access` properties of `tier` on this object type."""
    family = family_of(object_type_name, is_standard=is_standard)
    if family == TICKETS:
        return {
            NONE: [TICKETS],
            SENSITIVE: [f"{TICKETS}.sensitive", f"{TICKETS}.highly_sensitive"],
            HIGHLY_SENSITIVE: [f"{TICKETS}.highly_sensitive"],
        }[tier]
    return {
        NONE: [f"{family}.{access}"],
        SENSITIVE: [f"{family}.sensitive.{access}", f"{family}.highly_sensitive.{access}"],
        HIGHLY_SENSITIVE: [f"{family}.highly_sensitive.{access}"],
    }[tier]


def schema_scope(object_type_name: str, *, is_standard: bool, access: str) -> str:
    kind = object_type_name if is_standard and object_type_name in (*STANDARD_FAMILIES, "tickets") else "custom"
    return f"crm.schemas.{kind}.{access}"


def may(granted: Iterable[str], needed: Iterable[str]) -> bool:
    granted = set(granted)
    return any(scope in granted for scope in needed)
