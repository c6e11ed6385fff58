"""Factories for the data a test needs, made through the app's own services so every rule and audit event applies.

Use these instead of a module-local fixture that repeats `property_definition_create(...)` or
`record_create(...)`; a fixture of a module should say only what is special about its data.
"""

from __future__ import annotations

from typing import Any

from accounts import services as account_services
from accounts.models import Team, User
from crm import services
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import services as record_services
from sensitive import grants


def make_property(
    actor: User,
    object_type: ObjectType,
    name: str,
    *,
    sensitivity: str = PropertyDefinition.Sensitivity.NONE,
    data_type: str = PropertyDefinition.DataType.STRING,
    searchable: bool = False,
    label: str | None = None,
    **extra: Any,
) -> PropertyDefinition:
    """A property definition; the label defaults to the name in words ("annual_salary" -> "Annual salary")."""
    return services.property_definition_create(
        actor=actor,
        object_type=object_type,
        name=name,
        label=label or name.replace("_", " ").capitalize(),
        sensitivity=sensitivity,
        data_type=data_type,
        searchable=searchable,
        **extra,
    )


def make_record(actor: User, object_type: ObjectType, **values: Any) -> Record:
    return record_services.record_create(actor=actor, object_type=object_type, values=values)


def make_team(actor: User, name: str, *, members: tuple[User, ...] | list[User] = ()) -> Team:
    team = account_services.team_create(actor=actor, name=name)
    for member in members:
        account_services.team_member_add(actor=actor, team=team, user=member)
    return team


def grant(definition: PropertyDefinition, *, to: User | Team, edit: bool = False, actor: User | None = None) -> None:
    """A view (or edit) grant on `definition`, given by `actor` or else by a super admin of its tenant."""
    if actor is None:
        actor = User.objects.filter(tenant_id=definition.tenant_id, role=User.Role.SUPER_ADMIN, is_active=True).first()
    grants.property_grant(actor=actor, definition=definition, grantee=to, level="edit" if edit else "view")
