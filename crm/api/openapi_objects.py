"""OpenAPI shapes of the object and batch endpoints, with HubSpot's component names (documentation only:
the views build their bodies in crm/api/shapes.py)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import serializers

from crm.api.association_openapi import AssociationSpec
from crm.api.openapi import ErrorDetail, SimplePublicObject

LIMIT = OpenApiParameter("limit", OpenApiTypes.INT, description="Results per page, 1 to 100 (default 10).")
AFTER = OpenApiParameter("after", OpenApiTypes.STR, description="paging.next.after of the previous page.")
ASSOCIATIONS = OpenApiParameter(
    "associations", OpenApiTypes.STR, many=True, description="Object types whose associated ids to return."
)
ARCHIVED = OpenApiParameter("archived", OpenApiTypes.BOOL, description="Only archived objects (default false).")
ID_PROPERTY = OpenApiParameter(
    "idProperty", OpenApiTypes.STR, description="A unique, non-sensitive property the id is a value of (e.g. email)."
)


class NextPage(serializers.Serializer):
    after = serializers.CharField()
    link = serializers.CharField(required=False)


class ForwardPaging(serializers.Serializer):
    next = NextPage(required=False)


class CollectionResponse(serializers.Serializer):
    results = SimplePublicObject(many=True)
    paging = ForwardPaging(required=False)


class PublicObjectId(serializers.Serializer):
    id = serializers.CharField()


class PublicAssociationsForObject(serializers.Serializer):
    to = PublicObjectId()
    types = AssociationSpec(many=True)


class SimplePublicObjectInputForCreate(serializers.Serializer):
    properties = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True))
    associations = PublicAssociationsForObject(many=True, required=False)


class SimplePublicObjectInput(serializers.Serializer):
    properties = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True))


class SimplePublicObjectId(serializers.Serializer):
    id = serializers.CharField()


class BatchReadInput(serializers.Serializer):
    inputs = SimplePublicObjectId(many=True, max_length=100)
    properties = serializers.ListField(child=serializers.CharField(), required=False)
    propertiesWithHistory = serializers.ListField(child=serializers.CharField(), required=False)
    idProperty = serializers.CharField(required=False)


class BatchInputId(serializers.Serializer):
    inputs = SimplePublicObjectId(many=True, max_length=100)


class BatchInputForCreate(serializers.Serializer):
    inputs = SimplePublicObjectInputForCreate(many=True, max_length=100)


class SimplePublicObjectBatchInput(serializers.Serializer):
    id = serializers.CharField()
    idProperty = serializers.CharField(required=False)
    properties = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True))


class BatchInputUpdate(serializers.Serializer):
    inputs = SimplePublicObjectBatchInput(many=True, max_length=100)


class BatchInputUpsert(serializers.Serializer):
    inputs = SimplePublicObjectBatchInput(many=True, max_length=100)


class StandardError(serializers.Serializer):
    status = serializers.CharField()
    category = serializers.CharField()
    message = serializers.CharField()
    context = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    errors = ErrorDetail(many=True, required=False)


class BatchResponse(serializers.Serializer):
    status = serializers.ChoiceField(choices=["PENDING", "PROCESSING", "CANCELED", "COMPLETE"])
    results = SimplePublicObject(many=True)
    requestedAt = serializers.DateTimeField(required=False)
    startedAt = serializers.DateTimeField()
    completedAt = serializers.DateTimeField()


class BatchResponseWithErrors(BatchResponse):
    numErrors = serializers.IntegerField()
    errors = StandardError(many=True)


class SimplePublicUpsertObject(SimplePublicObject):
    new = serializers.BooleanField()


class BatchResponseUpsert(BatchResponse):
    results = SimplePublicUpsertObject(many=True)


class BatchResponseUpsertWithErrors(BatchResponseUpsert):
    numErrors = serializers.IntegerField()
    errors = StandardError(many=True)
