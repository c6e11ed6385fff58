"""Shapes of the API for its OpenAPI schema (drf-spectacular): HubSpot's component names.

Views describe themselves with `extend_schema(request=..., responses=...)` and these serializers;
they are documentation only, the views build their bodies in crm/api/shapes.py.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import serializers


class ErrorDetail(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField(required=False)
    subCategory = serializers.CharField(required=False)
    context = serializers.DictField(required=False)
    # "in" is a Python keyword: declared below.


ErrorDetail._declared_fields["in"] = serializers.CharField(required=False)


class Error(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    correlationId = serializers.CharField()
    category = serializers.CharField()
    subCategory = serializers.CharField(required=False)
    errors = ErrorDetail(many=True, required=False)
    context = serializers.DictField(required=False)


class RateLimitError(serializers.Serializer):
    """HubSpot's 429 body: `errorType` and `policyName` where other errors have `category`."""

    status = serializers.CharField()
    message = serializers.CharField()
    errorType = serializers.CharField()
    correlationId = serializers.CharField()
    policyName = serializers.CharField()


# Field names are HubSpot's (camelCase).
class SimplePublicObject(serializers.Serializer):
    id = serializers.CharField()
    properties = serializers.DictField(child=serializers.CharField(allow_null=True))
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    archived = serializers.BooleanField()
    archivedAt = serializers.DateTimeField(required=False)
    restrictedProperties = serializers.ListField(child=serializers.CharField(), required=False)
    unreadableProperties = serializers.ListField(child=serializers.CharField(), required=False)
    associations = serializers.DictField(required=False)


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: RateLimitError}

OBJECT_TYPE = OpenApiParameter("object_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="contacts, 0-1, ...")
PROPERTIES = OpenApiParameter(
    "properties", OpenApiTypes.STR, many=True, description="Properties to return (comma-separated or repeated)."
)


class PrivateAppTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer pat-...` in the schema, as HubSpot's private app tokens."""

    target_class = "crm.api.auth.PrivateAppAuthentication"
    name = "privateAppToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A private app's token (pat-...)."}
