"""PUT /crm/v3/lists/{listId}/update-list-name and /update-list-filters: HubSpot's list changes.

A new filter is checked, sealed and saved as the list's creation is (crm/api/lists.py), for the
token that sends it: it becomes the one as whom the list is built, and the list is built again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from crm.api import errors, openapi
from crm.api.base import ApiView
from crm.api.list_filters import filter_refusals, query_of_body
from crm.api.lists import WRITE, _body, _invalid, _list_of, list_body
from crm.api.openapi_lists import PublicObjectList
from crm.api.search import FilterGroup
from crm.records.filters import FilterQuery
from workflows import services
from workflows.models import List


class UpdatedList(serializers.Serializer):
    updatedList = PublicObjectList()


class FiltersUpdate(serializers.Serializer):
    filterGroups = FilterGroup(many=True, required=False, help_text="Our search's filter groups.")
    filterBranch = serializers.JSONField(required=False, help_text="HubSpot's: an OR branch of AND branches.")


LIST_NAME = OpenApiParameter("listName", OpenApiTypes.STR, required=True, description="The list's new name.")


def _updated(the_list: List) -> Response:
    the_list.refresh_from_db()
    return Response({"updatedList": list_body(the_list)})


class ListNameUpdate(ApiView):
    @extend_schema(
        operation_id="lists_update_name",
        parameters=[LIST_NAME],
        request=None,
        responses={200: UpdatedList, **openapi.ERRORS},
    )
    def put(self, request, list_id: str):
        self.require(request, [WRITE])
        the_list = _list_of(request, list_id)
        name = request.query_params.get("listName")
        if name is None:
            raise _invalid("listName", "listName is required: the list's new name.")
        try:
            services.list_update(actor=request.user, the_list=the_list, name=name)
        except ValidationError as exc:
            raise errors.invalid(exc, prefix="") from None
        return _updated(the_list)


class ListFiltersUpdate(ApiView):
    @extend_schema(
        operation_id="lists_update_filters", request=FiltersUpdate, responses={200: UpdatedList, **openapi.ERRORS}
    )
    def put(self, request, list_id: str):
        self.require(request, [WRITE])
        the_list = _list_of(request, list_id)
        body = _body(request)
        if the_list.kind != List.Kind.ACTIVE:
            raise _invalid("listId", "Only a DYNAMIC list has a filter; a MANUAL list's members are added to it.")
        if body.get("filterGroups") is None and body.get("filterBranch") is None:
            raise _invalid("filterBranch", "Send the new filter as filterBranch (or filterGroups).")
        with filter_refusals(the_list.object_type):
            query = query_of_body(self, request, the_list.object_type, body)
            services.list_update(actor=request.user, the_list=the_list, filters=query or FilterQuery())
        return _updated(the_list)


urlpatterns = [
    path("v3/lists/<str:list_id>/update-list-name", ListNameUpdate.as_view(), name="api_list_update_name"),
    path("v3/lists/<str:list_id>/update-list-filters", ListFiltersUpdate.as_view(), name="api_list_update_filters"),
]
