"""Object types: create a custom one (with its properties), change one, archive an empty custom one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.display import display_names_refresh
from crm.models import ObjectType, PropertyDefinition, PropertyGroup, Record
from crm.services.common import duplicate, prefixed, schema_change_audit, set_changed
from crm.services.properties import property_definition_create
from crm.tenancy import check_same_tenant, require_schema_editor, tenant_of


def _check_name_free(tenant, name: str) -> None:
    if ObjectType.objects.filter(tenant=tenant, name=name).exists():
        raise duplicate("name", f"There is already an object type named {name!r} (perhaps an archived one).")


@transaction.atomic
def object_type_create(
    *,
    actor: User,
    name: str,
    label_singular: str,
    label_plural: str,
    primary_property_label: str = "Name",
    description: str = "",
    properties: list[Mapping[str, Any]] | None = None,
    groups: Iterable[tuple[str, str]] = (),
    display_property: str | None = None,
    secondary_display_properties: Iterable[str] = (),
    required_properties: Iterable[str] | None = None,
    searchable_properties: Iterable[str] = (),
    associated_type_ids: Iterable[str] = (),
) -> ObjectType:
    """A custom object type.

    Without `properties` (the staff UI) it gets a required text property `name` that names its
    records. With them (HubSpot's ObjectSchemaEgg) each is a mapping of property_definition_create's
    arguments; `display_property` names the records (the first property when None), and `groups`
    are (name, label) of property groups to make first. Every property also lands in a group: a
    property without one goes under "<singular> information".
    """
    tenant = tenant_of(actor)
    require_schema_editor(actor, None)
    object_type = ObjectType(
        tenant=tenant,
        name=name,
        label_singular=(label_singular or "").strip(),
        label_plural=(label_plural or "").strip(),
        description=(description or "").strip(),
        display_properties=["name"],
    )
    object_type.full_clean(validate_constraints=False)
    _check_name_free(tenant, name)
    object_type.save()
    default_group = f"{object_type.label_singular} information"[:100]
    for group_name, group_label in groups:
        group = PropertyGroup(tenant=tenant, object_type=object_type, name=group_name, label=group_label[:100])
        try:
            group.full_clean()
        except ValidationError as exc:
            raise prefixed(exc, f"groups.{group_name}") from None
        group.save()
    if properties is None:
        properties = [{"name": "name", "label": primary_property_label, "position": 0}]
        required_properties = ["name"] if required_properties is None else required_properties
    if not properties:
        raise ValidationError({"properties": "A custom object type needs at least one property to name its records."})
    required, searchable = set(required_properties or ()), set(searchable_properties)
    created: dict[str, PropertyDefinition] = {}
    for index, spec in enumerate(properties):
        spec = {"group": default_group, "position": index, **spec}
        spec["group"] = spec["group"] or default_group
        try:
            definition = property_definition_create(
                actor=actor,
                object_type=object_type,
                **{**spec, "required": spec["name"] in required, "searchable": spec["name"] in searchable},
            )
        except ValidationError as exc:
            raise prefixed(exc, f"properties[{index}]") from None
        created[definition.name] = definition
    display = display_property or next(iter(created))
    secondary = list(dict.fromkeys(secondary_display_properties))
    _check_names(
        created, required_properties=required, searchable_properties=searchable, display=[display], secondary=secondary
    )
    object_type.display_properties = [display]
    object_type.secondary_display_properties = secondary
    object_type.associated_type_ids = _associated(actor, associated_type_ids, own=object_type.type_id)
    object_type.save(update_fields=["display_properties", "secondary_display_properties", "associated_type_ids"])
    audit_services.event_record(kind=AuditEvent.Kind.OBJECT_TYPE_CREATED, actor=actor, object_type=object_type.name)
    return object_type


def _check_names(definitions: Mapping[str, PropertyDefinition], **lists: Iterable[str]) -> None:
    """Every name of each list is a property of the type; display names are not sensitive."""
    for field, names in lists.items():
        for name in names:
            definition = definitions.get(name)
            if definition is None:
                raise ValidationError({field: f"There is no property named {name!r}."})
            if field in ("display", "secondary") and definition.is_sensitive:
                raise ValidationError(
                    {field: f"{definition.label} is sensitive: its values can't name records or stand beside the name."}
                )


def _associated(actor: User, type_ids: Iterable[str], *, own: str) -> list[str]:
    type_ids = list(dict.fromkeys(type_ids))
    known = set(
        ObjectType.objects.for_tenant(actor.tenant_id)
        .filter(archived_at__isnull=True)
        .values_list("type_id", flat=True)
    )
    known.add(own)
    unknown = [type_id for type_id in type_ids if type_id not in known]
    if unknown:
        raise ValidationError({"associated_type_ids": f"There is no object type {unknown[0]!r} to associate with."})
    return type_ids


@transaction.atomic
def object_type_update(
    *,
    actor: User,
    object_type: ObjectType,
    label_singular: str | None,
    label_plural: str | None,
    position: int | None = None,
    description: str | None = None,
    display_property: str | None = None,
    secondary_display_properties: Iterable[str] | None = None,
    required_properties: Iterable[str] | None = None,
    searchable_properties: Iterable[str] | None = None,
    associated_type_ids: Iterable[str] | None = None,
) -> ObjectType:
    """An object type's names, position and what names its records (None: keep); its internal name
    never changes (addresses and the API use it).

    `required_properties` and `searchable_properties` are whole lists, as HubSpot's: the properties
    listed are required (searchable), the others not. Whether a sensitive property is searchable
    can't change: its blind index is made when a value is written.
    """
    tenant_of(actor)
    check_same_tenant(actor, object_type)
    object_type = ObjectType.objects.select_for_update().get(pk=object_type.pk)
    require_schema_editor(actor, object_type)
    definitions = {
        d.name: d for d in PropertyDefinition.objects.filter(object_type=object_type, archived_at__isnull=True)
    }
    new: dict[str, Any] = {
        "label_singular": None if label_singular is None else label_singular.strip(),
        "label_plural": None if label_plural is None else label_plural.strip(),
        "description": None if description is None else description.strip(),
        "position": position,
    }
    if display_property is not None:
        _check_names(definitions, display=[display_property])
        new["display_properties"] = [display_property]
    if secondary_display_properties is not None:
        new["secondary_display_properties"] = list(dict.fromkeys(secondary_display_properties))
        _check_names(definitions, secondary=new["secondary_display_properties"])
    if associated_type_ids is not None:
        new["associated_type_ids"] = _associated(actor, associated_type_ids, own=object_type.type_id)
    changed = set_changed(object_type, new)
    changed += _flags_set(object_type, definitions, "required", required_properties)
    changed += _flags_set(object_type, definitions, "searchable", searchable_properties)
    if not changed:
        return object_type
    object_type.full_clean(validate_constraints=False)
    object_type.save(
        update_fields=[*(name for name in changed if name not in ("required", "searchable")), "updated_at"]
    )
    schema_change_audit(actor, object_type, changed, object_type_name=object_type.name)
    if "display_properties" in changed:
        display_names_refresh(object_type=object_type, holding=None)
    return object_type


def _flags_set(object_type: ObjectType, definitions, flag: str, names: Iterable[str] | None) -> list[str]:
    """Set `flag` on the properties named and clear it on the others; [flag] when any changed."""
    if names is None:
        return []
    names = set(names)
    _check_names(definitions, **{f"{flag}_properties": sorted(names)})
    flip = [d for d in definitions.values() if getattr(d, flag) != (d.name in names)]
    if flag == "searchable":
        fixed = [d for d in flip if d.is_sensitive]
        if fixed:
            raise ValidationError(
                {"searchable_properties": f"Whether {fixed[0].label} is searchable can't change: it is sensitive."}
            )
    now = timezone.now()
    for definition in flip:
        setattr(definition, flag, definition.name in names)
        definition.updated_at = now
    if not flip:
        return []
    PropertyDefinition.objects.bulk_update(flip, [flag, "updated_at"])
    return [flag]


@transaction.atomic
def object_type_archive(*, actor: User, object_type: ObjectType) -> ObjectType:
    """Archive a custom type that has no records (HubSpot's DELETE of a schema): it leaves every surface."""
    tenant_of(actor)
    check_same_tenant(actor, object_type)
    object_type = ObjectType.objects.select_for_update().get(pk=object_type.pk)
    require_schema_editor(actor, object_type)
    if object_type.is_standard:
        raise ValidationError({"name": f"{object_type.label_plural} are a standard object type and can't be archived."})
    count = Record.objects.filter(object_type=object_type).count()
    if count:
        raise ValidationError(
            {
                "name": f"{object_type.label_plural} still have {count} record{'' if count == 1 else 's'}: "
                "delete them before archiving the object type."
            }
        )
    if object_type.archived_at is None:
        object_type.archived_at = timezone.now()
        object_type.save(update_fields=["archived_at", "updated_at"])
        schema_change_audit(actor, object_type, ["archived"], object_type_name=object_type.name)
    return object_type
