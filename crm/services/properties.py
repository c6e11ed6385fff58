"""Property definitions: create, change (sensitivity included), archive."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from accounts.security import check_mfa_before_sensitive
from audit import services as audit_services
from audit.models import AuditEvent
from crm import schema
from crm.models import ObjectType, PropertyDefinition, Record
from crm.services.common import duplicate, higher_tier, schema_change_audit
from crm.services.groups import property_group_for
from crm.tenancy import check_same_tenant, require_schema_editor, tenant_of
from sensitive.grants import grants_changed
from sensitive.sensitivity import property_sensitivity_change


def check_name_free(object_type: ObjectType, name: str) -> None:
    if name in schema.BUILT_IN_PROPERTIES:
        raise ValidationError({"name": f"Every record has {name}, computed from the record: pick another name."})
    existing = PropertyDefinition.objects.filter(object_type=object_type, name=name).first()
    if existing is not None:
        archived = " (an archived one)" if existing.archived_at else ""
        raise duplicate("name", f"{object_type.label_plural} already have a property named {name!r}{archived}.")


@transaction.atomic
def property_definition_create(
    *,
    actor: User,
    object_type: ObjectType,
    name: str,
    label: str,
    data_type: str = PropertyDefinition.DataType.STRING,
    options: list[dict[str, str]] | None = None,
    sensitivity: str = PropertyDefinition.Sensitivity.NONE,
    searchable: bool = False,
    required: bool = False,
    group: str = "",
    description: str = "",
    has_unique_value: bool = False,
    position: int | None = None,
) -> PropertyDefinition:
    tenant = tenant_of(actor)
    check_same_tenant(actor, object_type)
    require_schema_editor(actor, object_type, tier=sensitivity, property_name=name)
    if sensitivity != PropertyDefinition.Sensitivity.NONE:
        check_mfa_before_sensitive(tenant)
        if has_unique_value:
            raise ValidationError(
                {"has_unique_value": "A sensitive property can't have unique values: lookups use plain values."}
            )
    check_name_free(object_type, name)
    definition = PropertyDefinition(
        tenant=tenant,
        object_type=object_type,
        name=name,
        label=label,
        data_type=data_type,
        options=_clean_options(options or [], data_type),
        sensitivity=sensitivity,
        searchable=searchable,
        required=required,
        group=(group or "").strip(),
        description=description,
        has_unique_value=has_unique_value,
        **({"position": position} if position is not None else {}),
    )
    definition.full_clean(validate_constraints=False)
    definition.group = property_group_for(object_type=object_type, label=definition.group)
    definition.save()
    if definition.is_sensitive:
        grants_changed(tenant_id=tenant.pk)  # apps' scopes reach it now, not after the next change
    audit_services.event_record(
        kind=AuditEvent.Kind.PROPERTY_CREATED,
        actor=actor,
        object_type=object_type.name,
        property_names=[definition.name],
        details={"sensitivity": definition.sensitivity, "searchable": searchable},
    )
    return definition


def _clean_options(options: list[dict[str, str]], data_type: str) -> list[dict[str, str]]:
    if data_type != PropertyDefinition.DataType.ENUMERATION:
        if options:
            raise ValidationError({"options": "Only a choice-from-a-list property has options."})
        return []
    if not options:
        raise ValidationError({"options": "A choice-from-a-list property needs at least one option."})
    cleaned, seen = [], set()
    for option in options:
        value = str(option.get("value", "")).strip()
        label = str(option.get("label", "") or value).strip()
        if not value:
            raise ValidationError({"options": "Every option needs a value."})
        if value in seen:
            raise ValidationError({"options": f"The option {value!r} appears twice."})
        seen.add(value)
        cleaned.append({"value": value, "label": label})
    return cleaned


@transaction.atomic
def property_definition_update(
    *,
    actor: User,
    definition: PropertyDefinition,
    label: str,
    description: str,
    group: str,
    options: list[dict[str, str]] | None,
    required: bool,
    position: int | None = None,
) -> PropertyDefinition:
    """Change a property's label, description, group, options, whether it is required, and its position.

    Name and type never change (stored values and grants refer to them); sensitivity changes only
    through `sensitive.sensitivity.property_sensitivity_change`, which moves the values. An option
    still used by records can't be removed: their values would fall outside the list.
    """
    tenant_of(actor)
    check_same_tenant(actor, definition)
    definition = PropertyDefinition.objects.select_for_update().select_related("object_type").get(pk=definition.pk)
    require_schema_editor(actor, definition.object_type, tier=definition.sensitivity, property_name=definition.name)
    cleaned_options = _clean_options(options or [], definition.data_type)
    if cleaned_options != definition.options:
        _check_options_change(definition, cleaned_options)
    new = {
        "label": (label or "").strip(),
        "description": (description or "").strip(),
        "group": (group or "").strip(),
        "options": cleaned_options,
        "required": bool(required),
        **({"position": position} if position is not None else {}),
    }
    changed = [field for field, value in new.items() if getattr(definition, field) != value]
    if not changed:
        return definition
    for field, value in new.items():
        setattr(definition, field, value)
    definition.full_clean(validate_constraints=False)
    if "group" in changed:
        property_group_for(object_type=definition.object_type, label=definition.group)
    definition.save(update_fields=[*changed, "updated_at"])
    schema_change_audit(actor, definition.object_type, changed, property=definition.name)
    return definition


@transaction.atomic
def property_definition_change(
    *,
    actor: User,
    definition: PropertyDefinition,
    label: str | None = None,
    description: str | None = None,
    group: str | None = None,
    options: list[dict[str, str]] | None = None,
    required: bool | None = None,
    position: int | None = None,
    sensitivity: str | None = None,
) -> PropertyDefinition:
    """Change what is given (None: keep), the sensitivity included, in one transaction: a refused
    sensitivity change (MFA not required, values still moving...) saves nothing of the rest either."""
    tenant_of(actor)
    check_same_tenant(actor, definition)
    definition = PropertyDefinition.objects.select_related("object_type").get(pk=definition.pk)
    if sensitivity is not None and sensitivity != definition.sensitivity:
        require_schema_editor(
            actor,
            definition.object_type,
            tier=higher_tier(sensitivity, definition.sensitivity),
            property_name=definition.name,
        )
    definition = property_definition_update(
        actor=actor,
        definition=definition,
        label=definition.label if label is None else label,
        description=definition.description if description is None else description,
        group=definition.group if group is None else group,
        options=definition.options if options is None else options,
        required=definition.required if required is None else required,
        position=position,
    )
    if sensitivity is not None and sensitivity != definition.sensitivity:
        definition = property_sensitivity_change(actor=actor, definition=definition, sensitivity=sensitivity)
    return definition


@transaction.atomic
def property_definition_archive(*, actor: User, definition: PropertyDefinition) -> PropertyDefinition:
    """Archive a custom property, as HubSpot's DELETE does: every surface stops showing it, its values
    stay (sensitive ones encrypted) and its name stays taken. Standard properties are not archived."""
    tenant_of(actor)
    check_same_tenant(actor, definition)
    definition = PropertyDefinition.objects.select_for_update().select_related("object_type").get(pk=definition.pk)
    require_schema_editor(actor, definition.object_type, tier=definition.sensitivity, property_name=definition.name)
    if definition.archived_at is not None:
        return definition
    object_type = definition.object_type
    if definition.is_standard:
        raise ValidationError({"name": f"{definition.label} is a standard property and can't be archived."})
    if definition.name in [*object_type.display_properties, *object_type.secondary_display_properties]:
        raise ValidationError(
            {"name": f"{definition.label} names the {object_type.label_plural}: pick another display property first."}
        )
    if definition.values_moving:
        raise ValidationError({"name": f"The values of {definition.label} are still being moved; try again shortly."})
    definition.archived_at = timezone.now()
    definition.save(update_fields=["archived_at", "updated_at"])
    schema_change_audit(actor, object_type, ["archived"], property=definition.name)
    return definition


def _check_options_change(definition: PropertyDefinition, options: list[dict[str, str]]) -> None:
    if schema.STAGE_PROPERTY.get(definition.object_type.name) == definition.name:
        raise ValidationError(
            {"options": f"The options of {definition.label} are the stages of the pipelines; change those instead."}
        )
    kept = {option["value"] for option in options}
    removed = [value for value in definition.option_values if value not in kept]
    if not removed:
        return
    if definition.is_sensitive or definition.values_moving:
        # Which records hold an option is inside the ciphertext; finding out would decrypt every value.
        raise ValidationError(
            {
                "options": f"Options of {definition.label} can't be removed: it is sensitive, so which records use "
                f"an option can't be checked without decrypting every value ({', '.join(removed)})."
            }
        )
    # A key transform, not a `properties__<name>` lookup: a property named e.g. "contains" would be read as one.
    # Cast to text: Django's `__in` on a key transform reads its values as JSON on SQLite.
    in_use = (
        Record.objects.filter(object_type_id=definition.object_type_id)
        .annotate(option_value=Cast(KeyTextTransform(definition.name, "properties"), TextField()))
        .filter(option_value__in=removed)
        .values("option_value")
        .annotate(records=Count("pk"))
        .order_by("option_value")
    )
    problems = [
        f"{row['option_value']!r} ({row['records']} record{'' if row['records'] == 1 else 's'})" for row in in_use
    ]
    if problems:
        raise ValidationError(
            {
                "options": f"These options are still used and can't be removed: {', '.join(problems)}. "
                "Change those records' values first, or keep the options."
            }
        )
