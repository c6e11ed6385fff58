"""Reads of the CRM's data model, scoped by the actor's tenant by signature; records are read in crm/records/."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from crm.models import ObjectType, PropertyDefinition, RecordScope


def object_type_list(*, actor: User) -> QuerySet[ObjectType]:
    # Platform operators have no tenant: they see no tenant's records through the staff paths.
    if actor.tenant_id is None:
        return ObjectType.objects.none()
    return ObjectType.objects.for_tenant(actor.tenant_id)


def object_type_get(*, actor: User, name: str) -> ObjectType:
    """Raises ObjectType.DoesNotExist for a missing type and for another tenant's alike."""
    return object_type_list(actor=actor).get(name=name)


def property_definitions(*, object_type: ObjectType) -> QuerySet[PropertyDefinition]:
    return PropertyDefinition.objects.filter(object_type=object_type).order_by("position", "label")


def property_definitions_by_name(*, object_type: ObjectType) -> dict[str, PropertyDefinition]:
    return {definition.name: definition for definition in property_definitions(object_type=object_type)}


# Besides the display name, the quick search looks into these properties' values (when not sensitive).
def record_scopes_of(*, actor: User, user: User) -> dict:
    """{object type id: scope} of the record scopes set for a user of the actor's tenant."""
    return dict(
        RecordScope.objects.filter(user=user, user__tenant_id=actor.tenant_id).values_list("object_type_id", "scope")
    )
