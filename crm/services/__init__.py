"""State changes of the CRM's data model: object types, properties and their groups, pipelines, a tenant's schema.

Every function takes the acting user; the tenant always comes from the actor, never from input.
The actor is a super admin, or a private app whose schema scopes allow the change (crm.tenancy).
Records and their values change through the record layer (crm/records/).
"""

from crm.services.groups import property_group_create, property_group_delete, property_group_for, property_group_update
from crm.services.object_types import object_type_archive, object_type_create, object_type_update
from crm.services.pipelines import pipeline_stage_create, pipeline_stage_update, pipeline_update
from crm.services.properties import (
    property_definition_archive,
    property_definition_change,
    property_definition_create,
    property_definition_update,
)
from crm.services.seed import tenant_schema_seed

__all__ = [
    "object_type_archive",
    "object_type_create",
    "object_type_update",
    "pipeline_stage_create",
    "pipeline_stage_update",
    "pipeline_update",
    "property_definition_archive",
    "property_definition_change",
    "property_definition_create",
    "property_definition_update",
    "property_group_create",
    "property_group_delete",
    "property_group_for",
    "property_group_update",
    "tenant_schema_seed",
]
