"""PUT /crm/v3/lists/{listId}/update-list-name and .../update-list-filters: HubSpot's list updates.

A new name is checked as on creation (unique in the tenant, 255 characters); a new filter as on
creation too (crm/api/lists.py: filterBranch or our filterGroups, sensitive values sealed, highly
sensitive properties refused), and then the list is built again, as the token's user: the one who
changes a filter is the one as whom the list is built. A static list has no filter to change.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm.api import errors, openapi
from crm.api.base import ApiView
from crm.api.list_filters import filter_groups_of
from crm.api.lists import WRITE, _body, _invalid, _list_of, list_body
from crm.api.openapi_lists import FilterGroup, PublicObjectList
from crm.api.search import refused
from crm.records import filters
from workflows import services


class ListFiltersUpdate(serializers.Serializer):
    filterGroups = FilterGroup(many=True, required=False, help_text="Our search's filter groups.")
    filterBranch = serializers.JSONField(required=False, help_text="HubSpot's: an OR branch of AND branches.")


class UpdatedList(serializers.Serializer):
    updatedList = PublicObjectList()


def _updated(the_list) -> Response:
    the_list.refresh_from_db()
    return Response({"updatedList": list_body(the_list)})


class ListNameView(ApiView):
    @extend_schema(
        operation_id="lists_update_name",
        parameters=[OpenApiParameter("listName", str, required=True)],
        request=None,
        responses={200: UpdatedList, **openapi.ERRORS},
    )
    def put(self, request, list_id: str):
        self.require(request, [WRITE])
        name = request.query_params.get("listName")
        if name is None:
            raise _invalid("listName", "listName (a query parameter) is the list's new name.")
        the_list = _list_of(request, list_id)
        try:
            services.list_update(actor=request.user, the_list=the_list, name=name)
        except ValidationError as exc:
            raise errors.invalid(exc, prefix="") from None
        return _updated(the_list)


class ListFiltersView(ApiView):
    @extend_schema(
        operation_id="lists_update_filters",
        request=ListFiltersUpdate,
        responses={200: UpdatedList, **openapi.ERRORS},
    )
    def put(self, request, list_id: str):
        self.require(request, [WRITE])
        body = _body(request)
        groups = body.get("filterGroups")
        if body.get("filterBranch") is not None and groups is None:
            groups = filter_groups_of(body["filterBranch"])
        if groups is None:
            raise _invalid("filterBranch", "filterBranch (or filterGroups) is the list's new filter.")
        the_list = _list_of(request, list_id)
        try:
            query = filters.query_parse(groups)
            for other in filters.associated_types(object_type=the_list.object_type, query=query):
                self.require_objects(request, other, api_scopes.READ)
            if the_list.kind != the_list.Kind.ACTIVE:
                raise ValidationError({"listId": "A static list has no filter: its members are added to it."})
            services.list_update(actor=request.user, the_list=the_list, filters=query)
        except filters.FilterRefused as exc:
            if exc.definition.is_highly_sensitive:
                item = {"message": str(exc), "in": "filterGroups", "code": "HIGHLY_SENSITIVE_PROPERTY"}
                raise errors.ApiError(str(exc), errors=[item]) from None
            raise refused(the_list.object_type, exc) from None
        except ValidationError as exc:
            raise errors.invalid(exc, prefix="") from None
        return _updated(the_list)


urlpatterns = [
    path("v3/lists/<str:list_id>/update-list-name", ListNameView.as_view(), name="api_list_update_name"),
    path("v3/lists/<str:list_id>/update-list-filters", ListFiltersView.as_view(), name="api_list_update_filters"),
]
