"""/crm/v3/properties/{objectType}/groups: HubSpot's property groups.

A group is a PropertyGroup of the object type (name, label, position as displayOrder); its
properties name it by its label, the heading the staff UI shows (crm/services/groups.py). DELETE
deletes an empty group and refuses one that still holds properties with a 400 (move them first);
HubSpot archives groups, but an archived group here would only be a name nobody can use. Scopes
are the properties API's: crm.schemas.<type>.read to read, .write to change.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm import services
from crm.api import errors, openapi, property_io, resolve
from crm.api import property_serializers as bodies
from crm.api.base import ApiView
from crm.models import ObjectType, PropertyGroup
from crm.selectors import property_groups

GROUP_NAME = OpenApiParameter("group_name", OpenApiTypes.STR, OpenApiParameter.PATH)


def group_of(object_type: ObjectType, name: str) -> PropertyGroup:
    group = property_groups(object_type=object_type).filter(name=name).first()
    if group is None:
        raise errors.not_found(f"Property group {name[:100]} does not exist.", groupName=[name[:100]])
    return group


def _position(data) -> int | None:
    order = data.get("displayOrder")
    return order if order is not None and order >= 0 else None


class PropertyGroupList(ApiView):
    @extend_schema(
        operation_id="property_groups_get_all",
        parameters=[openapi.OBJECT_TYPE],
        responses={200: bodies.CollectionResponsePropertyGroupNoPaging, **openapi.ERRORS},
    )
    def get(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        return Response({"results": [property_io.group_body(g) for g in property_groups(object_type=object_type)]})

    @extend_schema(
        operation_id="property_groups_create",
        parameters=[openapi.OBJECT_TYPE],
        request=bodies.PropertyGroupCreate,
        responses={201: bodies.PropertyGroup, 409: openapi.Error, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        data = property_io.parsed(bodies.PropertyGroupCreate, request.data)
        try:
            group = services.property_group_create(
                actor=request.user,
                object_type=object_type,
                name=data["name"],
                label=data["label"],
                position=_position(data),
            )
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(property_io.group_body(group), status=201)


class PropertyGroupDetail(ApiView):
    @extend_schema(
        operation_id="property_groups_get_by_name",
        parameters=[openapi.OBJECT_TYPE, GROUP_NAME],
        responses={200: bodies.PropertyGroup, **openapi.ERRORS},
    )
    def get(self, request, object_type: str, group_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        return Response(property_io.group_body(group_of(object_type, group_name)))

    @extend_schema(
        operation_id="property_groups_update",
        parameters=[openapi.OBJECT_TYPE, GROUP_NAME],
        request=bodies.PropertyGroupUpdate,
        responses={200: bodies.PropertyGroup, 409: openapi.Error, **openapi.ERRORS},
    )
    def patch(self, request, object_type: str, group_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        group = group_of(object_type, group_name)
        data = property_io.parsed(bodies.PropertyGroupUpdate, request.data)
        try:
            group = services.property_group_update(
                actor=request.user, group=group, label=data.get("label"), position=_position(data)
            )
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(property_io.group_body(group))

    @extend_schema(
        operation_id="property_groups_archive",
        parameters=[openapi.OBJECT_TYPE, GROUP_NAME],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, object_type: str, group_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        group = group_of(object_type, group_name)
        try:
            services.property_group_delete(actor=request.user, group=group)
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(status=204)


# Before /properties/{objectType}/{propertyName}: "groups" is a path here, as in HubSpot's API.
urlpatterns = [
    path("v3/properties/<str:object_type>/groups", PropertyGroupList.as_view(), name="api_property_groups"),
    path(
        "v3/properties/<str:object_type>/groups/<str:group_name>",
        PropertyGroupDetail.as_view(),
        name="api_property_group",
    ),
]
