"""The standard schema of a new tenant."""

from __future__ import annotations

from django.db import transaction

from crm import schema
from crm.models import ObjectType, Pipeline, PipelineStage, PropertyDefinition
from crm.services.groups import property_group_for
from crm.services.pipelines import sync_stage_options


@transaction.atomic
def tenant_schema_seed(*, tenant) -> None:
    """The standard object types, properties, property groups and pipelines of a new tenant; safe to run twice."""
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
                    "group": property_group_for(object_type=object_type, label=group),
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
            sync_stage_options(object_type)
