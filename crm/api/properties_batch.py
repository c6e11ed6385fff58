"""/crm/v3/properties/{objectType}/batch/read|create|archive: HubSpot's batch calls of the properties API.

Batch read and create answer HubSpot's BatchResponseProperty, a 207 with `errors` when some inputs
failed; each input of a create is created on its own. Scopes are those of the single calls
(crm/api/properties.py), checked for every input before anything is created or archived.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm import services
from crm.api import errors, openapi, property_io, resolve
from crm.api import property_serializers as bodies
from crm.api.base import ApiView
from crm.api.property_inputs import create, readable, require_tier
from crm.api.shapes import timestamp
from crm.selectors import property_definitions


def _batch_error(category: str, message: str, items: list[dict[str, Any]], **context) -> dict[str, Any]:
    return {"status": "error", "category": category, "message": message, "errors": items, "context": context}


def _batch_body(results: list, started, batch_errors: list) -> tuple[dict[str, Any], int]:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": timestamp(started),
        "completedAt": timestamp(timezone.now()),
    }
    if batch_errors:
        body.update(numErrors=len(batch_errors), errors=batch_errors)
    return body, 207 if batch_errors else 200


class PropertyBatchRead(ApiView):
    @extend_schema(
        operation_id="properties_batch_read",
        parameters=[openapi.OBJECT_TYPE],
        request=bodies.BatchReadInputPropertyName,
        responses={200: bodies.BatchResponseProperty, 207: bodies.BatchResponseProperty, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        started = timezone.now()
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        data = property_io.parsed(bodies.BatchReadInputPropertyName, request.data)
        tier = property_io.SENSITIVITY_IN[data["dataSensitivity"]]
        require_tier(self, request, object_type, tier, api_scopes.READ)
        names = list(dict.fromkeys(item["name"] for item in data["inputs"]))
        definitions = (
            property_definitions(object_type=object_type, archived=data["archived"])
            .filter(sensitivity=tier, name__in=names)
            .select_related("object_type")
        )
        found = {definition.name: definition for definition in readable(self, request, object_type, definitions)}
        groups = property_io.group_names(object_type)
        results = [property_io.property_body(found[name], groups) for name in names if name in found]
        missing = [name for name in names if name not in found]
        problems = (
            [_batch_error(errors.OBJECT_NOT_FOUND, "Some properties could not be found.", [], name=missing)]
            if missing
            else []
        )
        body, status = _batch_body(results, started, problems)
        return Response(body, status=status)


class PropertyBatchCreate(ApiView):
    @extend_schema(
        operation_id="properties_batch_create",
        parameters=[openapi.OBJECT_TYPE],
        request=bodies.BatchInputPropertyCreate,
        responses={201: bodies.BatchResponseProperty, 207: bodies.BatchResponseProperty, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        """Each input is created on its own: a bad one is reported in `errors` and the others are kept."""
        started = timezone.now()
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        raw = property_io.parsed(bodies.BatchInputPropertyCreate, request.data)["inputs"]
        parsed, problems = [], []
        for index, item in enumerate(raw):
            try:
                parsed.append(property_io.parsed(bodies.PropertyCreate, item, where=f"inputs[{index}]"))
            except errors.ApiError as exc:
                problems.append(_batch_error(errors.VALIDATION_ERROR, exc.message, exc.errors, index=[str(index)]))
        for data in parsed:  # the scopes of every tier asked for, before anything is created
            tier = property_io.SENSITIVITY_IN[data.get("dataSensitivity", "non_sensitive")]
            require_tier(self, request, object_type, tier, api_scopes.WRITE, data["name"])
        results = []
        for data in parsed:
            try:
                with transaction.atomic():
                    results.append(create(request, object_type, data))
            except errors.ApiError as exc:
                problems.append(_batch_error(exc.category, exc.message, exc.errors, name=[data["name"]]))
        groups = property_io.group_names(object_type)
        body, status = _batch_body([property_io.property_body(d, groups) for d in results], started, problems)
        return Response(body, status=201 if status == 200 else status)


class PropertyBatchArchive(ApiView):
    @extend_schema(
        operation_id="properties_batch_archive",
        parameters=[openapi.OBJECT_TYPE],
        request=bodies.BatchInputPropertyName,
        responses={204: None, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        """All or nothing: an unknown or refused name archives none of them."""
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        names = list(
            dict.fromkeys(i["name"] for i in property_io.parsed(bodies.BatchInputPropertyName, request.data)["inputs"])
        )
        found = {d.name: d for d in property_definitions(object_type=object_type).filter(name__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise errors.not_found("Some properties could not be found.", name=missing)
        for definition in found.values():
            require_tier(self, request, object_type, definition.sensitivity, api_scopes.WRITE, definition.name)
        try:
            with transaction.atomic():
                for name in names:
                    services.property_definition_archive(actor=request.user, definition=found[name])
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(status=204)


urlpatterns = [
    path("v3/properties/<str:object_type>/batch/read", PropertyBatchRead.as_view(), name="api_properties_batch_read"),
    path(
        "v3/properties/<str:object_type>/batch/create",
        PropertyBatchCreate.as_view(),
        name="api_properties_batch_create",
    ),
    path(
        "v3/properties/<str:object_type>/batch/archive",
        PropertyBatchArchive.as_view(),
        name="api_properties_batch_archive",
    ),
]
