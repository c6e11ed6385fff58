"""Property groups: the headings properties are shown under (HubSpot's property groups).

A property names its group by the group's label (PropertyDefinition.group, the heading the record
pages show), so the staff UI's free-text heading keeps working: a heading no group has yet becomes
a new group, and relabelling a group relabels its properties in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from crm.models import ObjectType, PropertyDefinition, PropertyGroup
from crm.schema import group_name_from_label
from crm.services.common import duplicate, schema_change_audit, set_changed
from crm.tenancy import check_same_tenant, require_schema_editor, tenant_of


def property_group_for(*, object_type: ObjectType, label: str) -> str:
    """The heading `label`, stripped, after making sure the object type has a group of that label."""
    label = (label or "").strip()
    if not label or PropertyGroup.objects.filter(object_type=object_type, label=label).exists():
        return label
    taken = set(PropertyGroup.objects.filter(object_type=object_type).values_list("name", flat=True))
    group = PropertyGroup(
        tenant_id=object_type.tenant_id,
        object_type=object_type,
        name=group_name_from_label(label, taken),
        label=label[:100],
        position=len(taken),
    )
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        pass  # made by a request that ran at the same time: it has the label now
    return label


def _check_free(object_type: ObjectType, *, name: str | None = None, label: str | None = None, exclude=None) -> None:
    groups = PropertyGroup.objects.filter(object_type=object_type).exclude(pk=getattr(exclude, "pk", None))
    if name is not None and groups.filter(name=name).exists():
        raise duplicate("name", f"{object_type.label_plural} already have a property group named {name!r}.")
    if label is not None and groups.filter(label=label).exists():
        raise duplicate("label", f"{object_type.label_plural} already have a property group labelled {label!r}.")


@transaction.atomic
def property_group_create(
    *, actor: User, object_type: ObjectType, name: str, label: str, position: int | None = None
) -> PropertyGroup:
    tenant = tenant_of(actor)
    check_same_tenant(actor, object_type)
    require_schema_editor(actor, object_type)
    label = (label or "").strip()
    _check_free(object_type, name=name, label=label)
    group = PropertyGroup(
        tenant=tenant,
        object_type=object_type,
        name=name,
        label=label,
        position=position if position is not None else PropertyGroup.objects.filter(object_type=object_type).count(),
    )
    group.full_clean(validate_constraints=False)
    group.save()
    schema_change_audit(actor, object_type, ["created"], property_group=group.name)
    return group


@transaction.atomic
def property_group_update(
    *, actor: User, group: PropertyGroup, label: str | None = None, position: int | None = None
) -> PropertyGroup:
    """A group's label and position; its name never changes (integrations refer to it)."""
    tenant_of(actor)
    check_same_tenant(actor, group)
    group = PropertyGroup.objects.select_for_update().select_related("object_type").get(pk=group.pk)
    require_schema_editor(actor, group.object_type)
    before = group.label
    label = label.strip() if label is not None else None
    if label is not None and label != before:
        _check_free(group.object_type, label=label, exclude=group)
    changed = set_changed(group, {"label": label, "position": position})
    if not changed:
        return group
    group.full_clean(validate_constraints=False)
    group.save(update_fields=[*changed, "updated_at"])
    if "label" in changed:
        PropertyDefinition.objects.filter(object_type=group.object_type, group=before).update(group=group.label)
    schema_change_audit(actor, group.object_type, changed, property_group=group.name)
    return group


@transaction.atomic
def property_group_delete(*, actor: User, group: PropertyGroup) -> None:
    """Delete an empty group; one that still holds properties is refused (move them first)."""
    tenant_of(actor)
    check_same_tenant(actor, group)
    group = PropertyGroup.objects.select_for_update().select_related("object_type").get(pk=group.pk)
    require_schema_editor(actor, group.object_type)
    held = PropertyDefinition.objects.filter(
        object_type=group.object_type, group=group.label, archived_at__isnull=True
    ).count()
    if held:
        raise ValidationError(
            {
                "name": f"The group {group.label!r} still holds {held} propert{'y' if held == 1 else 'ies'}; "
                "move them to another group first."
            }
        )
    schema_change_audit(actor, group.object_type, ["deleted"], property_group=group.name)
    group.delete()
