"""/crm/v3/properties/{objectType}: HubSpot's properties API (list, create, read, change, archive, batch).

Scopes, as HubSpot's: reading needs crm.schemas.<type>.read (custom types: crm.schemas.custom.read),
changing crm.schemas.<type>.write; creating, changing or archiving a sensitive property, or making
one sensitive, also needs the write scope of its tier (crm.objects.contacts.sensitive.write...);
lowering a property's sensitivity also needs the read scope of its tier, since the values become
readable with less (a write-only token would read them once they were plain).
A list without `dataSensitivity` holds only non-sensitive properties, as HubSpot's.

Stricter than HubSpot (ARCHITECTURE.md rule 8): HubSpot shows the definitions of sensitive
properties to any token with the schema read scope; here listing or reading them also needs the read
scope of their tier, so a token learns which sensitive data a tenant keeps only if it may read it.

DELETE archives a custom property, as HubSpot's (crm.services.property_definition_archive: it
leaves every surface, its values stay, its name stays taken); standard properties are refused with
a 400. A sensitivity change goes through the same service as the settings screen
(sensitive.sensitivity.property_sensitivity_change): values move in the background, and what it
refuses (MFA not required for the tenant, a move still running) is a 400 saying why.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm import services
from crm.api import inputs, openapi, properties_batch, property_io, resolve
from crm.api import property_serializers as bodies
from crm.api.base import ApiView
from crm.api.property_inputs import (
    NONE,
    create,
    definition_of,
    property_arguments,
    read_only,
    readable,
    require_tier,
    tier_asked,
)
from crm.selectors import property_definitions
from crm.services.common import higher_tier

ARCHIVED = OpenApiParameter("archived", OpenApiTypes.BOOL, description="Only archived properties.")
DATA_SENSITIVITY = OpenApiParameter(
    "dataSensitivity", OpenApiTypes.STR, enum=bodies.SENSITIVITIES, description="Default: non_sensitive."
)
PROPERTY_NAMES = OpenApiParameter("properties", OpenApiTypes.STR, many=True, description="Only these properties.")
PROPERTY_NAME = OpenApiParameter("property_name", OpenApiTypes.STR, OpenApiParameter.PATH)


class PropertyList(ApiView):
    @extend_schema(
        operation_id="properties_get_all",
        parameters=[openapi.OBJECT_TYPE, ARCHIVED, DATA_SENSITIVITY, PROPERTY_NAMES],
        responses={200: bodies.CollectionResponsePropertyNoPaging, **openapi.ERRORS},
    )
    def get(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        tier = tier_asked(request.query_params.get("dataSensitivity"))
        require_tier(self, request, object_type, tier, api_scopes.READ)
        archived, names = inputs.flag(request, "archived"), inputs.listed(request, "properties")
        definitions = (
            property_definitions(object_type=object_type, archived=archived)
            .filter(sensitivity=tier)
            .select_related("object_type")
        )
        if names:
            definitions = definitions.filter(name__in=names)
        groups = property_io.group_names(object_type)
        definitions = readable(self, request, object_type, definitions)
        results = [property_io.property_body(definition, groups) for definition in definitions]
        if tier == NONE and not archived:
            results += [
                property_io.built_in_body(object_type, name, groups)
                for name in property_io.BUILT_IN
                if not names or name in names
            ]
        return Response({"results": results})

    @extend_schema(
        operation_id="properties_create",
        parameters=[openapi.OBJECT_TYPE],
        request=bodies.PropertyCreate,
        responses={201: bodies.Property, 409: openapi.Error, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        data = property_io.parsed(bodies.PropertyCreate, request.data)
        require_tier(
            self,
            request,
            object_type,
            property_io.SENSITIVITY_IN[data.get("dataSensitivity", "non_sensitive")],
            api_scopes.WRITE,
            data["name"],
        )
        definition = create(request, object_type, data)
        return Response(property_io.property_body(definition, property_io.group_names(object_type)), status=201)


class PropertyDetail(ApiView):
    @extend_schema(
        operation_id="properties_get_by_name",
        parameters=[openapi.OBJECT_TYPE, PROPERTY_NAME, ARCHIVED],
        responses={200: bodies.Property, **openapi.ERRORS},
    )
    def get(self, request, object_type: str, property_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        groups = property_io.group_names(object_type)
        archived = inputs.flag(request, "archived")
        if property_name in property_io.BUILT_IN and not archived:
            return Response(property_io.built_in_body(object_type, property_name, groups))
        definition = definition_of(object_type, property_name, archived=archived)
        require_tier(self, request, object_type, definition.sensitivity, api_scopes.READ, definition.name)
        return Response(property_io.property_body(definition, groups))

    @extend_schema(
        operation_id="properties_update",
        parameters=[openapi.OBJECT_TYPE, PROPERTY_NAME],
        request=bodies.PropertyUpdate,
        responses={200: bodies.Property, **openapi.ERRORS},
    )
    def patch(self, request, object_type: str, property_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        if property_name in property_io.BUILT_IN:
            raise read_only(property_name)
        definition = definition_of(object_type, property_name)
        data = property_io.parsed(bodies.PropertyUpdate, request.data)
        asked = property_io.SENSITIVITY_IN.get(data.get("dataSensitivity", ""), definition.sensitivity)
        tier = higher_tier(asked, definition.sensitivity)
        require_tier(self, request, object_type, tier, api_scopes.WRITE, definition.name)
        if tier != asked:  # lowering shows the values to more tokens: only one that may read them lowers
            require_tier(self, request, object_type, definition.sensitivity, api_scopes.READ, definition.name)
        try:
            arguments = property_arguments(object_type, data, current=definition)
            definition = services.property_definition_change(actor=request.user, definition=definition, **arguments)
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(property_io.property_body(definition, property_io.group_names(object_type)))

    @extend_schema(
        operation_id="properties_archive",
        parameters=[openapi.OBJECT_TYPE, PROPERTY_NAME],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, object_type: str, property_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        if property_name in property_io.BUILT_IN:
            raise read_only(property_name)
        definition = definition_of(object_type, property_name)
        require_tier(self, request, object_type, definition.sensitivity, api_scopes.WRITE, definition.name)
        try:
            services.property_definition_archive(actor=request.user, definition=definition)
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(status=204)


urlpatterns = [
    *properties_batch.urlpatterns,
    path("v3/properties/<str:object_type>", PropertyList.as_view(), name="api_properties"),
    path("v3/properties/<str:object_type>/<str:property_name>", PropertyDetail.as_view(), name="api_property"),
]
