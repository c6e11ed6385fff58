"""Deal and ticket pipelines and their stages; the stage property's options follow them."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from crm import schema
from crm.models import ObjectType, Pipeline, PipelineStage, PropertyDefinition
from crm.services.common import schema_changed, set_changed
from crm.tenancy import check_same_tenant, require_super_admin, tenant_of


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
    sync_stage_options(pipeline.object_type)
    return stage


def sync_stage_options(object_type: ObjectType) -> None:
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
def pipeline_update(*, actor: User, pipeline: Pipeline, label: str, position: int | None = None) -> Pipeline:
    tenant_of(actor)
    require_super_admin(actor)
    check_same_tenant(actor, pipeline)
    pipeline = Pipeline.objects.select_for_update().select_related("object_type").get(pk=pipeline.pk)
    changed = set_changed(pipeline, {"label": (label or "").strip(), "position": position})
    if changed:
        schema_changed(actor, pipeline, pipeline.object_type, changed, pipeline=pipeline.name)
        sync_stage_options(pipeline.object_type)  # the stage options follow the pipelines' order
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
    changed = set_changed(stage, new)
    if stage.probability != probability:
        stage.probability = probability
        changed.append("probability")
    if changed:
        object_type = stage.pipeline.object_type
        schema_changed(actor, stage, object_type, changed, pipeline=stage.pipeline.name, stage=stage.name)
        sync_stage_options(object_type)
    return stage
