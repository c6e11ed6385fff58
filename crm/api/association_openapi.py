"""Shapes of the v4 associations API for the OpenAPI schema: HubSpot's component names and fields
(hubspot.crm.associations.v4.models). Documentation only: crm/api/associations.py builds the bodies.

Generic shapes that other modules may also describe (next page, standard error) carry an
`Associations` prefix, so that two modules' components never share a name.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import serializers

# Plain strings, not enums: an enum shared by two field names (or with another module's) is a schema warning.
CATEGORY = serializers.CharField(help_text="HUBSPOT_DEFINED, USER_DEFINED or INTEGRATOR_DEFINED")
STATUS = serializers.CharField(help_text="COMPLETE (PENDING, PROCESSING or CANCELED for asynchronous batches)")


class PublicObjectId(serializers.Serializer):
    id = serializers.CharField()


class AssociationSpec(serializers.Serializer):
    associationCategory = CATEGORY
    associationTypeId = serializers.IntegerField()


class AssociationSpecWithLabel(serializers.Serializer):
    category = CATEGORY
    typeId = serializers.IntegerField()
    label = serializers.CharField(allow_null=True)


class AssociationsStandardError(serializers.Serializer):
    status = serializers.CharField()
    category = serializers.CharField()
    subCategory = serializers.CharField(required=False)
    message = serializers.CharField()
    context = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    errors = serializers.ListField(child=serializers.DictField())
    links = serializers.DictField(child=serializers.CharField())


class PublicDefaultAssociation(serializers.Serializer):
    # "from" is a Python keyword: declared below.
    to = PublicObjectId()
    associationSpec = AssociationSpec()


PublicDefaultAssociation._declared_fields = {"from": PublicObjectId(), **PublicDefaultAssociation._declared_fields}


class BatchResponsePublicDefaultAssociation(serializers.Serializer):
    status = STATUS
    results = PublicDefaultAssociation(many=True)
    startedAt = serializers.DateTimeField()
    completedAt = serializers.DateTimeField()


class LabelsBetweenObjectPair(serializers.Serializer):
    fromObjectTypeId = serializers.CharField()
    fromObjectId = serializers.IntegerField()
    toObjectTypeId = serializers.CharField()
    toObjectId = serializers.IntegerField()
    labels = serializers.ListField(child=serializers.CharField())


class AssociationsNextPage(serializers.Serializer):
    after = serializers.CharField()
    link = serializers.CharField(required=False)


class AssociationsForwardPaging(serializers.Serializer):
    next = AssociationsNextPage(required=False)


class MultiAssociatedObjectWithLabel(serializers.Serializer):
    toObjectId = serializers.IntegerField()
    associationTypes = AssociationSpecWithLabel(many=True)


class CollectionResponseMultiAssociatedObjectWithLabelForwardPaging(serializers.Serializer):
    results = MultiAssociatedObjectWithLabel(many=True)
    paging = AssociationsForwardPaging(required=False)


class PublicFetchAssociationsBatchRequest(serializers.Serializer):
    id = serializers.CharField()
    after = serializers.CharField(required=False)


class BatchInputPublicFetchAssociationsBatchRequest(serializers.Serializer):
    inputs = PublicFetchAssociationsBatchRequest(many=True)


class PublicAssociationMultiWithLabel(serializers.Serializer):
    to = MultiAssociatedObjectWithLabel(many=True)
    paging = AssociationsForwardPaging(required=False)


PublicAssociationMultiWithLabel._declared_fields = {
    "from": PublicObjectId(),
    **PublicAssociationMultiWithLabel._declared_fields,
}


class BatchResponsePublicAssociationMultiWithLabel(serializers.Serializer):
    status = STATUS
    results = PublicAssociationMultiWithLabel(many=True)
    errors = AssociationsStandardError(many=True, required=False)
    numErrors = serializers.IntegerField(required=False)
    startedAt = serializers.DateTimeField()
    completedAt = serializers.DateTimeField()


class CollectionResponseAssociationSpecWithLabelNoPaging(serializers.Serializer):
    results = AssociationSpecWithLabel(many=True)


LIMIT = OpenApiParameter("limit", OpenApiTypes.INT, description="Results per page (500 at most).")
AFTER = OpenApiParameter("after", OpenApiTypes.STR, description="The paging cursor of the previous page.")
