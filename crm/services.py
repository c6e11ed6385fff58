"""State changes of the CRM: records, associations, object types, properties, pipelines.

Every function takes the acting user; the tenant always comes from the actor, never from input.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import Team, User
from accounts.security import check_mfa_before_sensitive
from audit import services as audit_services
from audit.models import AuditEvent
from core.db import rows_insert, uuid_converter, uuid_to_db
from crm import schema, selectors
from crm.display import display_name_for, plain_values
from crm.models import (
    Association,
    ObjectType,
    Pipeline,
    PipelineStage,
    PropertyDefinition,
    Record,
    RecordScope,
)
from crm.validation import clean_values
from crm.visibility import Visibility
from sensitive import services as sensitive_services

BULK_BATCH_SIZE = 2_000


def _tenant_of(actor: User):
    if actor.tenant_id is None:
        raise PermissionDenied("Platform operators do not work inside a tenant's records.")
    return actor.tenant


def _require_super_admin(actor: User) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin of this tenant can change the data model.")


def _check_same_tenant(actor: User, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.tenant_id != actor.tenant_id:
            # Same error as "missing": another tenant's ids must not be confirmed to exist.
            raise type(obj).DoesNotExist(f"No such {type(obj)._meta.verbose_name}.")


def _check_visible(actor: User, *records: Record) -> None:
    visibility = Visibility(actor)
    for record in records:
        if not visibility.allows(record):
            raise Record.DoesNotExist("No such record.")


def _split_values(definitions: Mapping[str, PropertyDefinition], cleaned: Mapping[str, Any]):
    plain = {name: value for name, value in cleaned.items() if not definitions[name].is_sensitive}
    sensitive = {name: value for name, value in cleaned.items() if definitions[name].is_sensitive}
    return plain, sensitive


def _apply_plain(properties: dict[str, Any], plain: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(properties)
    for name, value in plain.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def _clean_for(object_type: ObjectType, values: Mapping[str, Any], *, creating: bool):
    definitions = selectors.property_definitions_by_name(object_type=object_type)
    required = {name for name, definition in definitions.items() if definition.required}
    cleaned = clean_values(
        definitions,
        values,
        object_label=object_type.label_plural,
        require=required if creating else required & set(values),
    )
    return definitions, cleaned


@transaction.atomic
def record_create(
    *,
    actor: User,
    object_type: ObjectType,
    values: Mapping[str, Any],
    owner: User | None = None,
    team: Team | None = None,
) -> Record:
    tenant = _tenant_of(actor)
    _check_same_tenant(actor, object_type, owner, team)
    definitions, cleaned = _clean_for(object_type, values, creating=True)
    plain, sensitive = _split_values(definitions, cleaned)
    record = Record.objects.create(
        tenant=tenant,
        object_type=object_type,
        owner=owner or actor,
        team=team,
        properties=_apply_plain({}, plain),
        display_name=display_name_for(object_type, plain),
    )
    if sensitive:
        sensitive_services.values_write(actor=actor, record=record, values=sensitive)
    _record_event(actor, AuditEvent.Kind.RECORD_CREATED, object_type, [record.pk], cleaned)
    return record


def _record_event(actor: User, kind: str, object_type: ObjectType, record_ids, names) -> None:
    # Property names only: which values changed is history, what they are is not (for sensitive ones).
    audit_services.event_record(
        kind=kind, actor=actor, object_type=object_type.name, record_ids=record_ids, property_names=names
    )


@transaction.atomic
def record_update(
    *,
    actor: User,
    record: Record,
    values: Mapping[str, Any],
    owner: User | None = None,
    team: Team | None = None,
    clear_team: bool = False,
) -> Record:
    """Change the given values (None clears one); values not named are kept."""
    _tenant_of(actor)
    _check_same_tenant(actor, record, owner, team)
    _check_visible(actor, record)
    definitions, cleaned = _clean_for(record.object_type, values, creating=False)
    plain, sensitive = _split_values(definitions, cleaned)
    record = Record.objects.select_for_update().get(pk=record.pk)
    # Values being written as sensitive must not sit in the JSON a moment longer (nor in its change log).
    record.properties = _apply_plain({k: v for k, v in record.properties.items() if k not in sensitive}, plain)
    # Without the values of a property just made sensitive, still waiting in the JSON for their move.
    sensitive_names = {name for name, definition in definitions.items() if definition.is_sensitive}
    record.display_name = display_name_for(record.object_type, plain_values(record.properties, sensitive_names))
    if owner is not None:
        record.owner = owner
    if team is not None or clear_team:
        record.team = team
    record.save()
    if sensitive:
        sensitive_services.values_write(actor=actor, record=record, values=sensitive)
    _record_event(actor, AuditEvent.Kind.RECORD_UPDATED, record.object_type, [record.pk], cleaned)
    return record


@transaction.atomic
def record_delete(*, actor: User, record: Record) -> None:
    _tenant_of(actor)
    _check_same_tenant(actor, record)
    _check_visible(actor, record)
    _record_event(actor, AuditEvent.Kind.RECORD_DELETED, record.object_type, [record.pk], ())
    record.delete()


def records_bulk_create(
    *,
    actor: User,
    object_type: ObjectType,
    rows: Sequence[Mapping[str, Any]],
    owners: Sequence[User | None] | None = None,
    batch_size: int = BULK_BATCH_SIZE,
) -> list[Record]:
    """Create many records with bulk inserts, all or nothing; any invalid row stops the whole batch.

    Errors are keyed "row N" so that an import can point at the line.
    """
    tenant = _tenant_of(actor)
    _check_same_tenant(actor, object_type)
    definitions = selectors.property_definitions_by_name(object_type=object_type)
    required = {name for name, definition in definitions.items() if definition.required}
    records: list[Record] = []
    sensitive_rows: list[tuple[Record, dict[str, Any]]] = []
    errors: dict[str, Any] = {}
    for index, values in enumerate(rows):
        try:
            cleaned = clean_values(definitions, values, object_label=object_type.label_plural, require=required)
        except ValidationError as exc:
            # Each message already names its property.
            errors[f"row {index + 1}"] = [message for messages in exc.message_dict.values() for message in messages]
            continue
        plain, sensitive = _split_values(definitions, cleaned)
        owner = owners[index] if owners else actor
        record = Record(
            tenant=tenant,
            object_type=object_type,
            owner=owner,
            properties=_apply_plain({}, plain),
            display_name=display_name_for(object_type, plain),
        )
        records.append(record)
        if sensitive:
            sensitive_rows.append((record, sensitive))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _records_insert(records)
        if sensitive_rows:
            sensitive_services.values_write_bulk(actor=actor, rows=sensitive_rows)
        names = {name for values in rows for name in values}
        _record_event(actor, AuditEvent.Kind.RECORD_CREATED, object_type, [r.pk for r in records], names)
    return records


def _records_insert(records: list[Record]) -> None:
    """New records as plain inserts: the ORM's bulk_create spent most of its time preparing fields."""
    native = connection.features.has_native_uuid_field
    to_db = uuid_converter()
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = []
    for record in records:
        record.created_at = record.updated_at = now
        properties = json.dumps(record.properties) if not native else Jsonb(record.properties)
        rows.append(
            (
                to_db(record.pk),
                to_db(record.tenant_id),
                to_db(record.object_type_id),
                to_db(record.owner_id),
                to_db(record.team_id),
                properties,
                record.display_name,
                stamp,
                stamp,
            )
        )
    columns = [
        "id",
        "tenant_id",
        "object_type_id",
        "owner_id",
        "team_id",
        "properties",
        "display_name",
        "created_at",
        "updated_at",
    ]
    types = ["uuid", "uuid", "uuid", "uuid", "uuid", "jsonb", "text", "timestamptz", "timestamptz"]
    rows_insert(Record._meta.db_table, columns, rows, types)


@transaction.atomic
def association_create(*, actor: User, from_record: Record, to_record: Record, label: str = "") -> Association:
    tenant = _tenant_of(actor)
    _check_same_tenant(actor, from_record, to_record)
    _check_visible(actor, from_record, to_record)
    if from_record.pk == to_record.pk:
        raise ValidationError({"to_record": "A record cannot be associated with itself."})
    association, _ = Association.objects.get_or_create(
        tenant=tenant, from_record=from_record, to_record=to_record, label=label
    )
    return association


def associations_bulk_create(*, actor: User, pairs: Iterable[tuple[Record, Record]], label: str = "") -> int:
    """Many links at once, as plain inserts (the ORM's bulk_create was a third of a demo seeding)."""
    tenant = _tenant_of(actor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (uuid_to_db(uuid.uuid4()), uuid_to_db(tenant.pk), uuid_to_db(a.pk), uuid_to_db(b.pk), label, now, now)
        for a, b in pairs
        if a.tenant_id == tenant.pk and b.tenant_id == tenant.pk and a.pk != b.pk
    ]
    columns = ["id", "tenant_id", "from_record_id", "to_record_id", "label", "created_at", "updated_at"]
    types = ["uuid", "uuid", "uuid", "uuid", "text", "timestamptz", "timestamptz"]
    rows_insert(Association._meta.db_table, columns, rows, types, skip_conflicts=True)
    return len(rows)


@transaction.atomic
def association_delete(*, actor: User, association: Association) -> None:
    _tenant_of(actor)
    _check_same_tenant(actor, association)
    association.delete()


@transaction.atomic
def record_scope_set(*, actor: User, user: User, object_type: ObjectType, scope: str) -> RecordScope:
    """Which records of `object_type` a user sees: all, their teams' (and own), or their own."""
    _require_super_admin(actor)
    _check_same_tenant(actor, object_type)
    if user.tenant_id != actor.tenant_id:
        raise ValidationError({"user": "No such user in your organisation."})
    if scope not in RecordScope.Scope.values:
        raise ValidationError(
            {"scope": f"{scope!r} is not a scope; use one of: {', '.join(RecordScope.Scope.values)}."}
        )
    record_scope, _ = RecordScope.objects.update_or_create(
        tenant=actor.tenant, user=user, object_type=object_type, defaults={"scope": scope}
    )
    audit_services.event_record(
        kind=AuditEvent.Kind.RECORD_SCOPE_CHANGED,
        actor=actor,
        object_type=object_type.name,
        details={"user": user.email, "scope": scope},
    )
    return record_scope


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
    tenant = _tenant_of(actor)
    _require_super_admin(actor)
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
    tenant = _tenant_of(actor)
    _require_super_admin(actor)
    _check_same_tenant(actor, object_type)
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
    _require_super_admin(actor)
    _check_same_tenant(actor, pipeline)
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
    through `sensitive.services.property_sensitivity_change`, which moves the values. An option
    still used by records can't be removed: their values would fall outside the list.
    """
    _tenant_of(actor)
    _require_super_admin(actor)
    _check_same_tenant(actor, definition)
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
    _tenant_of(actor)
    _require_super_admin(actor)
    _check_same_tenant(actor, object_type)
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
    _tenant_of(actor)
    _require_super_admin(actor)
    _check_same_tenant(actor, pipeline)
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
    _tenant_of(actor)
    _require_super_admin(actor)
    _check_same_tenant(actor, stage)
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
