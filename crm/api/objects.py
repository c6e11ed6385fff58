"""/crm/v3/objects/{objectType} and /crm/v3/objects/{objectType}/{objectId}: HubSpot's basic object API.

Reads and writes go through the record layer (crm/records/api.py) with the app as the actor: its
scopes stand in for grants there (sensitive/permissions.py), so a value the token may not read
comes back as a restricted reading and is named in `restrictedProperties`.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm.api import errors, inputs, openapi, resolve, shapes
from crm.api.base import ApiView
from crm.models import Record
from crm.records import api as records
from crm.records import lookup

PURPOSE = "api"


class ObjectDetail(ApiView):
    @extend_schema(
        operation_id="objects_get_by_id",
        parameters=[openapi.PROPERTIES],
        responses={200: openapi.SimplePublicObject, **openapi.ERRORS},
    )
    def get(self, request, object_type: str, object_id: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.READ)
        number = resolve.record_number_of(object_id)
        definitions = inputs.definitions_by_name(object_type)
        names = inputs.properties_to_read(object_type, inputs.listed(request, "properties"), definitions)
        try:
            record = lookup.record_get_by_number(actor=request.user, object_type=object_type, number=number)
        except Record.DoesNotExist:
            raise errors.not_found(id=[object_id]) from None
        view = records.record_view(
            actor=request.user,
            record=record,
            properties=names,
            purpose=PURPOSE,
            reveal=inputs.highly_sensitive_of(names, definitions),
        )
        return Response(shapes.object_body(view))


urlpatterns = [
    path("v3/objects/<str:object_type>/<str:object_id>", ObjectDetail.as_view(), name="api_object"),
]
