"""/crm/v3/schemas: HubSpot's schemas API for custom object types (also at /crm-object-schemas/v3/schemas,
the path of HubSpot's own clients).

Scopes: crm.schemas.custom.read to read, crm.schemas.custom.write to create, change and archive;
a sensitive property in a new schema also needs crm.objects.custom.<tier>.write. A standard type can
be read (with its own schema scope: crm.schemas.contacts.read...) but not changed here.

`objectType` is the name, the fully qualified name ("p<portal>_<name>") or the objectTypeId
("2-<n>"); the portal number is one made from the tenant's id (there is no HubSpot portal). An
unknown type and another tenant's are the same 404.

As in the properties API, and stricter than HubSpot: a schema lists only the properties of the
tiers the token may read (crm.objects.custom.sensitive.read...), in `properties` and in
`requiredProperties`/`searchableProperties`; a PATCH of those lists leaves the flags of properties
the token can't see as they are.

DELETE archives a custom type without records (HubSpot asks for the records to be deleted first:
a type with records is a 400); an archived type leaves every surface and keeps its name.
Associations: `associatedObjects` are kept as the type ids the custom type links to, and shown as
`associations` with ids made of the two type ids ("2-7_0-1").
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm import services
from crm.api import errors, inputs, openapi, property_io, resolve
from crm.api import property_serializers as bodies
from crm.api.base import ApiView
from crm.api.property_inputs import property_arguments, readable, require_tier
from crm.api.shapes import timestamp
from crm.models import ObjectType, PropertyDefinition
from crm.selectors import object_type_list, property_definitions

SCHEMA_TYPE = OpenApiParameter(
    "object_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="cars, p123_cars, 2-7"
)
ARCHIVED = OpenApiParameter("archived", OpenApiTypes.BOOL, description="Only archived schemas.")


def portal_id(tenant_id) -> int:
    """A stable number for the tenant, for fully qualified names: there is no HubSpot portal id."""
    return int(uuid.UUID(str(tenant_id)).hex[:7], 16)


def schema_type_of(request, text: str) -> ObjectType:
    try:
        return resolve.object_type_of(request.user, text)
    except errors.ApiError:
        raise errors.not_found(f"Object type {text[:100]} does not exist.", objectType=[text[:100]]) from None


def _visible(view: ApiView, request, object_type: ObjectType) -> list[PropertyDefinition]:
    definitions = property_definitions(object_type=object_type).select_related("object_type")
    return readable(view, request, object_type, definitions)


def schema_body(view: ApiView, request, object_type: ObjectType) -> dict[str, Any]:
    definitions = _visible(view, request, object_type)
    groups = property_io.group_names(object_type)
    names = dict(object_type_list(actor=request.user).values_list("type_id", "name"))
    own = object_type.type_id
    standard = object_type.is_standard
    return {
        "id": own.partition("-")[2],
        "objectTypeId": own,
        "name": object_type.name,
        "fullyQualifiedName": object_type.name
        if standard
        else f"p{portal_id(object_type.tenant_id)}_{object_type.name}",
        "labels": {"singular": object_type.label_singular, "plural": object_type.label_plural},
        "description": object_type.description,
        "primaryDisplayProperty": next(iter(object_type.display_properties), None),
        "secondaryDisplayProperties": list(object_type.secondary_display_properties),
        "requiredProperties": [d.name for d in definitions if d.required],
        "searchableProperties": [d.name for d in definitions if d.searchable],
        "properties": [property_io.property_body(definition, groups) for definition in definitions],
        "associations": [
            {
                "id": f"{own}_{to}",
                "name": f"{object_type.name}_to_{names.get(to, to)}",
                "fromObjectTypeId": own,
                "toObjectTypeId": to,
            }
            for to in object_type.associated_type_ids
        ],
        "createdAt": timestamp(object_type.created_at),
        "updatedAt": timestamp(object_type.updated_at),
        "archived": object_type.archived_at is not None,
    }


def _associated(request, names: list[str]) -> list[str]:
    """Type ids of `associatedObjects` ("CONTACT", "contacts", "0-1", "2-7"...)."""
    type_ids = []
    for index, name in enumerate(names):
        try:
            type_ids.append(resolve.object_type_of(request.user, name).type_id)
        except errors.ApiError:
            raise ValidationError({f"associatedObjects[{index}]": "Unknown object type."}) from None
    return type_ids


def _egg_properties(data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The egg's properties as object_type_create's specs, and the groups they name."""
    specs, groups, problems = [], {}, {}
    for index, item in enumerate(data["properties"]):
        group_name = item.get("groupName") or ""
        item = {key: value for key, value in item.items() if key != "groupName"}
        try:
            spec = property_arguments(None, item)
        except ValidationError as exc:
            problems.update({f"properties[{index}].{field}": m for field, m in exc.message_dict.items()})
            continue
        if group_name:
            groups.setdefault(group_name, group_name.replace("_", " ").strip().capitalize() or group_name)
            spec["group"] = groups[group_name]
        specs.append(spec)
    if problems:
        raise ValidationError(problems)
    return specs, list(groups.items())


class SchemaList(ApiView):
    @extend_schema(
        operation_id="schemas_get_all",
        parameters=[ARCHIVED],
        responses={200: bodies.CollectionResponseObjectSchemaNoPaging, **openapi.ERRORS},
    )
    def get(self, request):
        self.require_schema(request, None, api_scopes.READ)
        types = object_type_list(actor=request.user, archived=inputs.flag(request, "archived")).filter(
            is_standard=False
        )
        return Response({"results": [schema_body(self, request, object_type) for object_type in types]})

    @extend_schema(
        operation_id="schemas_create",
        request=bodies.ObjectSchemaEgg,
        responses={201: bodies.ObjectSchema, 409: openapi.Error, **openapi.ERRORS},
    )
    def post(self, request):
        self.require_schema(request, None, api_scopes.WRITE)
        data = property_io.parsed(bodies.ObjectSchemaEgg, request.data)
        for item in data["properties"]:
            tier = property_io.SENSITIVITY_IN[item.get("dataSensitivity", "non_sensitive")]
            if tier == api_scopes.NONE:
                continue
            needed = api_scopes.object_scopes_needed("custom", is_standard=False, access=api_scopes.WRITE, tier=tier)
            self.require(request, needed)
            if getattr(request.auth, "sensitive_allowlist", None):  # it can't name a property not made yet
                message = "This app's sensitive allowlist limits it to the sensitive properties it names."
                raise errors.missing_scopes(needed, prop=item["name"], message=message)
        try:
            specs, groups = _egg_properties(data)
            searchable = [*data.get("searchableProperties", []), *(s["name"] for s in specs if s.get("searchable"))]
            object_type = services.object_type_create(
                actor=request.user,
                name=data["name"],
                label_singular=data["labels"]["singular"],
                label_plural=data["labels"]["plural"],
                description=data.get("description", ""),
                properties=specs,
                groups=groups,
                display_property=data.get("primaryDisplayProperty"),
                secondary_display_properties=data.get("secondaryDisplayProperties", []),
                required_properties=data["requiredProperties"],
                searchable_properties=searchable,
                associated_type_ids=_associated(request, data["associatedObjects"]),
            )
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(schema_body(self, request, object_type), status=201)


class SchemaDetail(ApiView):
    @extend_schema(
        operation_id="schemas_get_by_id",
        parameters=[SCHEMA_TYPE],
        responses={200: bodies.ObjectSchema, **openapi.ERRORS},
    )
    def get(self, request, object_type: str):
        object_type = schema_type_of(request, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        return Response(schema_body(self, request, object_type))

    def _custom(self, request, text: str) -> ObjectType:
        object_type = schema_type_of(request, text)
        self.require_schema(request, object_type, api_scopes.WRITE)
        if object_type.is_standard:
            raise errors.ApiError(
                f"{object_type.label_plural} are a standard object type: their schema can't be changed here.",
                errors=[{"message": "A standard object type.", "in": "objectType", "code": "INVALID_INPUT"}],
            )
        return object_type

    @extend_schema(
        operation_id="schemas_update",
        parameters=[SCHEMA_TYPE],
        request=bodies.ObjectTypeDefinitionPatch,
        responses={200: bodies.ObjectSchema, **openapi.ERRORS},
    )
    def patch(self, request, object_type: str):
        object_type = self._custom(request, object_type)
        data = property_io.parsed(bodies.ObjectTypeDefinitionPatch, request.data)
        labels = data.get("labels", {})
        description = "" if data["clearDescription"] else data.get("description")
        visible = {d.name: d for d in _visible(self, request, object_type)}
        hidden = [d for d in property_definitions(object_type=object_type) if d.name not in visible]
        flags = {}
        for field, flag in (("requiredProperties", "required"), ("searchableProperties", "searchable")):
            if field not in data:
                continue
            for index, name in enumerate(data[field]):
                if name not in visible:
                    raise property_io.api_error(ValidationError({f"{field}[{index}]": "There is no such property."}))
            for definition in visible.values():
                if definition.is_sensitive and getattr(definition, flag) != (definition.name in data[field]):
                    require_tier(self, request, object_type, definition.sensitivity, api_scopes.WRITE, definition.name)
            flags[f"{flag}_properties"] = [*data[field], *(d.name for d in hidden if getattr(d, flag))]
        try:
            object_type = services.object_type_update(
                actor=request.user,
                object_type=object_type,
                label_singular=labels.get("singular"),
                label_plural=labels.get("plural"),
                description=description,
                display_property=data.get("primaryDisplayProperty"),
                secondary_display_properties=data.get("secondaryDisplayProperties"),
                **flags,
            )
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(schema_body(self, request, object_type))

    @extend_schema(
        operation_id="schemas_archive",
        parameters=[SCHEMA_TYPE],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, object_type: str):
        object_type = self._custom(request, object_type)
        try:
            services.object_type_archive(actor=request.user, object_type=object_type)
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(status=204)


urlpatterns = [
    path("v3/schemas", SchemaList.as_view(), name="api_schemas"),
    path("v3/schemas/<str:object_type>", SchemaDetail.as_view(), name="api_schema"),
]


@extend_schema_view(get=extend_schema(exclude=True), post=extend_schema(exclude=True))
class ClientSchemaList(SchemaList):
    """The same at the path HubSpot's clients use; once in the OpenAPI schema."""


@extend_schema_view(
    get=extend_schema(exclude=True), patch=extend_schema(exclude=True), delete=extend_schema(exclude=True)
)
class ClientSchemaDetail(SchemaDetail):
    pass


# Mounted at /crm-object-schemas/ (config/urls.py): HubSpot's clients call /crm-object-schemas/v3/schemas.
client_urlpatterns = [
    path("v3/schemas", ClientSchemaList.as_view()),
    path("v3/schemas/<str:object_type>", ClientSchemaDetail.as_view()),
]
