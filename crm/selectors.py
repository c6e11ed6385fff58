"""Reads of CRM data, scoped by the actor's tenant by signature: callers never filter by tenant."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import User
from crm.models import Association, ObjectType, PropertyDefinition, Record
from crm.validation import clean_value
from crm.visibility import Visibility
from sensitive import selectors as sensitive_selectors


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


def record_list(
    *,
    actor: User,
    object_type: ObjectType,
    search: str = "",
    filters: dict[str, Any] | None = None,
) -> QuerySet[Record]:
    """Records of one type, newest first; `search` matches name, email and domain; `filters` are equalities."""
    if object_type.tenant_id != actor.tenant_id:
        return Record.objects.none()
    records = (
        Record.objects.for_tenant(actor.tenant_id)
        .filter(object_type=object_type)
        .filter(Visibility(actor).q(object_type.pk))
        .select_related("owner", "team", "object_type")
    )
    search = search.strip()
    if search:
        records = records.filter(
            Q(display_name__icontains=search)
            | Q(properties__email__icontains=search)
            | Q(properties__domain__icontains=search)
            | Q(properties__name__icontains=search)
        )
    if filters:
        definitions = property_definitions_by_name(object_type=object_type)
        for name, value in filters.items():
            definition = definitions.get(name)
            if definition is None:
                raise ValidationError({name: f"{object_type.label_plural} have no property named {name!r}."})
            if definition.is_sensitive:
                # Permission-checked; by blind index when searchable; confirmed by decrypting.
                matching = sensitive_selectors.record_ids_matching(actor=actor, definition=definition, value=value)
                records = records.filter(pk__in=matching)
            else:
                records = records.filter(**{f"properties__{name}": clean_value(definition, value)})
    return records


def record_get(*, actor: User, record_id: uuid.UUID | str) -> Record:
    """Raises Record.DoesNotExist alike for a missing, malformed, foreign or out-of-scope id."""
    try:
        record_uuid = uuid.UUID(str(record_id))
    except ValueError:
        raise Record.DoesNotExist("No such record.") from None
    if actor.tenant_id is None:
        raise Record.DoesNotExist("No such record.")
    record = (
        Record.objects.for_tenant(actor.tenant_id).select_related("owner", "team", "object_type").get(pk=record_uuid)
    )
    if not Visibility(actor).allows(record):
        raise Record.DoesNotExist("No such record.")
    return record


def record_recent(*, actor: User, limit: int = 10) -> list[Record]:
    """The records the actor may see that changed last, of every type."""
    if actor.tenant_id is None:
        return []
    visibility = Visibility(actor)
    visible = Q(pk__in=[])
    for object_type in object_type_list(actor=actor):
        visible |= Q(object_type=object_type) & visibility.q(object_type.pk)
    records = Record.objects.for_tenant(actor.tenant_id).filter(visible).select_related("object_type")
    return list(records.order_by("-updated_at")[:limit])


def record_associations(*, actor: User, record: Record) -> list[tuple[Record, str]]:
    """The records linked to `record` in either direction, with the link's label."""
    if record.tenant_id != actor.tenant_id:
        return []
    links = (
        Association.objects.for_tenant(actor.tenant_id)
        .filter(Q(from_record=record) | Q(to_record=record))
        .select_related("from_record__object_type", "to_record__object_type")
    )
    visibility = Visibility(actor)
    linked = [(link.to_record if link.from_record_id == record.pk else link.from_record, link.label) for link in links]
    return [(other, label) for other, label in linked if visibility.allows(other)]
