"""Reads of the CRM's data model, scoped by the actor's tenant by signature; records are read in crm/records/.

Archived object types and properties (archived through the REST API) are left out unless asked for:
every surface reads the data model through these, so archiving hides them everywhere.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Team, User
from crm.models import ObjectType, PropertyDefinition, PropertyGroup, RecordScope


def object_type_list(*, actor: User, archived: bool = False) -> QuerySet[ObjectType]:
    # Platform operators have no tenant: they see no tenant's records through the staff paths.
    if actor.tenant_id is None:
        return ObjectType.objects.none()
    return ObjectType.objects.for_tenant(actor.tenant_id).filter(archived_at__isnull=not archived)


def object_type_get(*, actor: User, name: str) -> ObjectType:
    """Raises ObjectType.DoesNotExist for a missing type and for another tenant's alike."""
    return object_type_list(actor=actor).get(name=name)


def property_definitions(*, object_type: ObjectType, archived: bool = False) -> QuerySet[PropertyDefinition]:
    return PropertyDefinition.objects.filter(object_type=object_type, archived_at__isnull=not archived).order_by(
        "position", "label"
    )


def property_definitions_by_name(*, object_type: ObjectType) -> dict[str, PropertyDefinition]:
    return {definition.name: definition for definition in property_definitions(object_type=object_type)}


def property_groups(*, object_type: ObjectType) -> QuerySet[PropertyGroup]:
    return PropertyGroup.objects.filter(object_type=object_type).order_by("position", "label")


def record_scopes_of(*, actor: User, user: User) -> dict:
    """{object type id: scope} of the record scopes set for a user of the actor's tenant."""
    return dict(
        RecordScope.objects.filter(user=user, user__tenant_id=actor.tenant_id).values_list("object_type_id", "scope")
    )


def owner_list(*, actor: User, archived: bool = False, email: str = "") -> QuerySet[User]:
    """The people of the actor's tenant who can own records, by owner number, with their teams.

    Private apps' own users are not owners; deactivated people are the archived owners.
    """
    if actor.tenant_id is None:
        return User.objects.none()
    owners = User.objects.people().filter(tenant_id=actor.tenant_id, is_active=not archived)
    if email:
        owners = owners.filter(email__iexact=email.strip())
    return owners.prefetch_related("groups__team").order_by("number")


def owner_teams(owner: User) -> list[Team]:
    """An owner's teams (of their own tenant) by name, from the prefetch of owner_list."""
    teams = [group.team for group in owner.groups.all() if hasattr(group, "team")]
    return sorted((team for team in teams if team.tenant_id == owner.tenant_id), key=lambda team: team.name)
