"""The API's paths under /crm/ (HubSpot's), each module with its own urlpatterns; then a 404 in
HubSpot's shape for any other path under /crm/v3/ and /crm/v4/."""

from __future__ import annotations

from django.urls import re_path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes

from crm.api import (
    associations,
    batch,
    errors,
    list_updates,
    lists,
    objects,
    owners,
    properties,
    property_groups,
    schemas,
    search,
)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def unknown_path(request, rest: str = ""):
    raise errors.not_found("Resource not found.")


# Order matters: /search and /batch/... before /{objectId}; /properties/{type}/groups before /{propertyName}.
urlpatterns = [
    *batch.urlpatterns,
    *search.urlpatterns,
    *objects.urlpatterns,
    *associations.urlpatterns,
    *property_groups.urlpatterns,
    *properties.urlpatterns,
    *schemas.urlpatterns,
    *owners.urlpatterns,
    *lists.urlpatterns,
    *list_updates.urlpatterns,
    re_path(r"^v[34]/(?P<rest>.*)$", unknown_path),
]

# /crm-object-schemas/: the path of the schemas API in HubSpot's own clients.
object_schemas_urlpatterns = [*schemas.client_urlpatterns, re_path(r"^v3/(?P<rest>.*)$", unknown_path)]
