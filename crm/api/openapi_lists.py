"""The OpenAPI shapes of /crm/v3/lists (crm/api/lists.py): HubSpot's names, from its client's models."""

from __future__ import annotations

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from crm.api.search import FilterGroup

PROCESSING_TYPES = ["MANUAL", "DYNAMIC"]
MAX_COUNT = 500


class PublicObjectList(serializers.Serializer):
    listId = serializers.CharField()
    name = serializers.CharField()
    objectTypeId = serializers.CharField()
    processingType = serializers.ChoiceField(choices=PROCESSING_TYPES)
    processingStatus = serializers.CharField()
    listVersion = serializers.IntegerField()
    size = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    createdById = serializers.CharField(allow_null=True)
    filterGroups = FilterGroup(many=True)


class ListCreate(serializers.Serializer):
    name = serializers.CharField()
    objectTypeId = serializers.CharField()
    processingType = serializers.ChoiceField(choices=PROCESSING_TYPES)
    filterGroups = FilterGroup(many=True, required=False, help_text="Our search's filter groups (see the module).")
    filterBranch = serializers.JSONField(required=False, help_text="HubSpot's: an OR branch of AND branches.")


class ListResponse(serializers.Serializer):
    list = PublicObjectList()


class ListSearch(serializers.Serializer):
    query = serializers.CharField(required=False)
    listIds = serializers.ListField(child=serializers.CharField(), required=False)
    processingTypes = serializers.ListField(child=serializers.CharField(help_text="MANUAL or DYNAMIC"), required=False)
    offset = serializers.IntegerField(required=False, min_value=0)
    count = serializers.IntegerField(required=False, min_value=1, max_value=MAX_COUNT)


class ListSearchResponse(serializers.Serializer):
    lists = PublicObjectList(many=True)
    total = serializers.IntegerField()
    offset = serializers.IntegerField()
    hasMore = serializers.BooleanField()


class MembershipsUpdateResponse(serializers.Serializer):
    recordsIdsAdded = serializers.ListField(child=serializers.CharField(), required=False)
    recordIdsRemoved = serializers.ListField(child=serializers.CharField(), required=False)
    recordIdsMissing = serializers.ListField(child=serializers.CharField())


class JoinTimeAndRecordId(serializers.Serializer):
    recordId = serializers.CharField()
    membershipTimestamp = serializers.DateTimeField()


class MembershipsPage(serializers.Serializer):
    results = JoinTimeAndRecordId(many=True)
    paging = serializers.JSONField(required=False)


RECORD_IDS = {"application/json": build_array_type(build_basic_type(OpenApiTypes.STR))}
AFTER = OpenApiParameter("after", str, description="The last record id of the previous page.")
LIMIT = OpenApiParameter("limit", int, description="At most 250 (default 100).")
