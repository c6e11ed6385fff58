"""State changes of the CRM's data model: object types, properties, pipelines, a tenant's schema.

Every function takes the acting user; the tenant always comes from the actor, never from input.
Records and their values change through the record layer (crm/records/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from accounts.models import User
from accounts.security import check_mfa_before_sensitive
from audit import services as audit_services
from audit.models import AuditEvent
from crm import schema
from crm.models import ObjectType, Pipeline, PipelineStage, PropertyDefinition, Record
from crm.tenancy import check_same_tenant, require_super_admin, tenant_of


@transaction.atomic
def object_type_create(
    *,
    actor: User,
    name: str,
    label_singular: str,
    label_plural: str,
    primary_property_label: str = "Name",
) -> ObjectType:
    """A custom object type, with a required text property `name` that names its records."""
    tenant = tenant_of(actor)
    require_super_admin(actor)
    object_type = ObjectType(
        tenant=tenant,
        name=name,
        label_singular=label_singular,
        label_plural=label_plural,
        display_properties=["name"],
    )
    object_type.full_clean()
    object_type.save()
    PropertyDefinition.objects.create(
        tenant=tenant,
        object_type=object_type,
        name="name",
        label=primary_property_label,
        data_type=PropertyDefinition.DataType.STRING,
        required=True,
        position=0,
    )
    audit_services.event_record(kind=AuditEvent.Kind.OBJECT_TYPE_CREATED, actor=actor, object_type=object_type.name)
    return object_type


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
) -> PropertyDefinition:
    tenant = tenant_of(actor)
    require_super_admin(actor)
    check_same_tenant(actor, object_type)
    if sensitivity != PropertyDefinition.Sensitivity.NONE:
        check_mfa_before_sensitive(tenant)
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
        group=group,
        description=description,
    )
    definition.full_clean()
    definition.save()
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
def pipeline_stage_create(
    *, actor: User, pipeline: Pipeline, name: str, label: str, probability=None, is_closed: bool = False
) -> PipelineStage:
    require_super_admin(actor)
    check_same_tenant(actor, pipeline)
    position = pipeline.stages.count()
    stage = PipelineStage(
        tenant=pipeline.tenant,
        pipeline=pipeline,
        name=name,
        label=label,
        position=position,
        probability=probability,
        is_closed=is_closed,
    )
    stage.full_clean()
    stage.save()
    _sync_stage_options(pipeline.object_type)
    return stage


def _sync_stage_options(object_type: ObjectType) -> None:
    """The stage property's options are the stages of all the object type's pipelines."""
    property_name = schema.STAGE_PROPERTY.get(object_type.name)
    if property_name is None:
        return
    stages = PipelineStage.objects.filter(pipeline__object_type=object_type).order_by("pipeline__position", "position")
    options, seen = [], set()
    for stage in stages:
        if stage.name not in seen:
            seen.add(stage.name)
            options.append({"value": stage.name, "label": stage.label})
    PropertyDefinition.objects.filter(object_type=object_type, name=property_name).update(options=options)


@transaction.atomic
def tenant_schema_seed(*, tenant) -> None:
    """The standard object types, properties and pipelines of a new tenant; safe to run twice."""
    for position, spec in enumerate(schema.STANDARD_OBJECT_TYPES):
        object_type, _ = ObjectType.objects.get_or_create(
            tenant=tenant,
            name=spec["name"],
            defaults={
                "label_singular": spec["label_singular"],
                "label_plural": spec["label_plural"],
                "display_properties": spec["display_properties"],
                "is_standard": True,
                "position": position,
            },
        )
        for prop_position, (name, label, data_type, group, options, required) in enumerate(spec["properties"]):
            PropertyDefinition.objects.get_or_create(
                object_type=object_type,
                name=name,
                defaults={
                    "tenant": tenant,
                    "label": label,
                    "data_type": data_type,
                    "group": group,
                    "options": options,
                    "required": required,
                    "has_unique_value": (spec["name"], name) in schema.UNIQUE_STANDARD_PROPERTIES,
                    "is_standard": True,
                    "position": prop_position,
                },
            )
        if "pipeline" in spec:
            pipeline_name, pipeline_label, stages = spec["pipeline"]
            pipeline, created = Pipeline.objects.get_or_create(
                tenant=tenant, object_type=object_type, name=pipeline_name, defaults={"label": pipeline_label}
            )
            if created:
                PipelineStage.objects.bulk_create(
                    PipelineStage(
                        tenant=tenant,
                        pipeline=pipeline,
                        name=name,
                        label=label,
                        position=index,
                        probability=probability,
                        is_closed=is_closed,
                    )
                    for index, (name, label, probability, is_closed) in enumerate(stages)
                )
        if spec["name"] in schema.STAGE_PROPERTY:
            _sync_stage_options(object_type)


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
    require_super_admin(actor)
    check_same_tenant(actor, definition)
    definition = PropertyDefinition.objects.select_for_update().select_related("object_type").get(pk=definition.pk)
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
    definition.full_clean()
    definition.save(update_fields=[*changed, "updated_at"])
    audit_services.event_record(
        kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED,
        actor=actor,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"property": definition.name, "changed": changed},
    )
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


def _set_changed(obj, new: Mapping[str, Any]) -> list[str]:
    """Set the fields of `new` on `obj`; the names of those whose value differed (None: keep)."""
    changed = [name for name, value in new.items() if value is not None and getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, new[name])
    return changed


def _schema_changed(actor: User, obj, object_type: ObjectType, changed: list[str], **details) -> None:
    obj.full_clean()
    obj.save(update_fields=[*changed, "updated_at"])
    audit_services.event_record(
        kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED,
        actor=actor,
        object_type=object_type.name,
        details={**details, "changed": changed},
    )


@transaction.atomic
def object_type_update(
    *, actor: User, object_type: ObjectType, label_singular: str, label_plural: str, position: int | None = None
) -> ObjectType:
    """An object type's names and position; its internal name never changes (addresses and the API use it)."""
    tenant_of(actor)
    require_super_admin(actor)
    check_same_tenant(actor, object_type)
    object_type = ObjectType.objects.select_for_update().get(pk=object_type.pk)
    new = {
        "label_singular": (label_singular or "").strip(),
        "label_plural": (label_plural or "").strip(),
        "position": position,
    }
    changed = _set_changed(object_type, new)
    if changed:
        _schema_changed(actor, object_type, object_type, changed, object_type_name=object_type.name)
    return object_type


@transaction.atomic
def pipeline_update(*, actor: User, pipeline: Pipeline, label: str, position: int | None = None) -> Pipeline:
    tenant_of(actor)
    require_super_admin(actor)
    check_same_tenant(actor, pipeline)
    pipeline = Pipeline.objects.select_for_update().select_related("object_type").get(pk=pipeline.pk)
    changed = _set_changed(pipeline, {"label": (label or "").strip(), "position": position})
    if changed:
        _schema_changed(actor, pipeline, pipeline.object_type, changed, pipeline=pipeline.name)
        _sync_stage_options(pipeline.object_type)  # the stage options follow the pipelines' order
    return pipeline


@transaction.atomic
def pipeline_stage_update(
    *,
    actor: User,
    stage: PipelineStage,
    label: str,
    position: int | None = None,
    probability=None,
    is_closed: bool = False,
) -> PipelineStage:
    """A stage's label, position, probability and whether it closes; its name is the value records hold."""
    tenant_of(actor)
    require_super_admin(actor)
    check_same_tenant(actor, stage)
    stage = PipelineStage.objects.select_for_update().select_related("pipeline__object_type").get(pk=stage.pk)
    new = {"label": (label or "").strip(), "position": position, "is_closed": bool(is_closed)}
    changed = _set_changed(stage, new)
    if stage.probability != probability:
        stage.probability = probability
        changed.append("probability")
    if changed:
        object_type = stage.pipeline.object_type
        _schema_changed(actor, stage, object_type, changed, pipeline=stage.pipeline.name, stage=stage.name)
        _sync_stage_options(object_type)
    return stage
