"""/crm/v3/properties/{objectType}: HubSpot's properties API (list, create, read, change, archive, batch).

Scopes, as HubSpot's: reading needs crm.schemas.<type>.read (custom types: crm.schemas.custom.read),
changing crm.schemas.<type>.write; creating, changing or archiving a sensitive property, or making
one sensitive, also needs the write scope of its tier (crm.objects.contacts.sensitive.write...).
A list without `dataSensitivity` holds only non-sensitive properties, as HubSpot's.

Stricter than HubSpot (ARCHITECTURE.md rule 8): HubSpot shows the definitions of sensitive
properties to any token with the schema read scope; here listing or reading them also needs the read
scope of their tier, so a token learns which sensitive data a tenant keeps only if it may read it.

DELETE archives a custom property, as HubSpot's (crm.services.property_definition_archive: it
leaves every surface, its values stay, its name stays taken); standard properties are refused with
a 400. A sensitivity change goes through the same service as the settings screen
(sensitive.sensitivity.property_sensitivity_change): values move in the background, and what it
refuses (MFA not required for the tenant, a move still running) is a 400 saying why.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm import services
from crm.api import errors, inputs, openapi, property_io, resolve
from crm.api import property_serializers as bodies
from crm.api.base import ApiView
from crm.api.shapes import timestamp
from crm.models import ObjectType, PropertyDefinition
from crm.selectors import property_definitions
from crm.services.common import higher_tier

NONE = api_scopes.NONE
ARCHIVED = OpenApiParameter("archived", OpenApiTypes.BOOL, description="Only archived properties.")
DATA_SENSITIVITY = OpenApiParameter(
    "dataSensitivity", OpenApiTypes.STR, enum=bodies.SENSITIVITIES, description="Default: non_sensitive."
)
PROPERTY_NAMES = OpenApiParameter("properties", OpenApiTypes.STR, many=True, description="Only these properties.")
PROPERTY_NAME = OpenApiParameter("property_name", OpenApiTypes.STR, OpenApiParameter.PATH)


# --- scopes of sensitive tiers ---


def tier_scopes(object_type: ObjectType, tier: str, access: str) -> list[str]:
    return api_scopes.object_scopes_needed(
        object_type.name, is_standard=object_type.is_standard, access=access, tier=tier
    )


def require_tier(view: ApiView, request, object_type: ObjectType, tier: str, access: str) -> None:
    """403 unless the token holds `access` of the sensitive `tier` on the type (nothing for none)."""
    if tier != NONE:
        view.require(request, tier_scopes(object_type, tier, access))


def readable_tiers(view: ApiView, request, object_type: ObjectType) -> set[str]:
    granted = view.granted(request)
    return {NONE} | {
        tier
        for tier in (api_scopes.SENSITIVE, api_scopes.HIGHLY_SENSITIVE)
        if api_scopes.may(granted, tier_scopes(object_type, tier, api_scopes.READ))
    }


def tier_asked(value: str | None) -> str:
    """Our sensitivity for a `dataSensitivity` parameter (none when absent); a 400 otherwise."""
    if value is None or value == "":
        return NONE
    if value not in property_io.SENSITIVITY_IN:
        raise errors.ApiError(
            "dataSensitivity must be non_sensitive, sensitive or highly_sensitive.",
            errors=[{"message": "Unknown data sensitivity.", "in": "dataSensitivity", "code": "INVALID_INPUT"}],
        )
    return property_io.SENSITIVITY_IN[value]


# --- bodies in, services' arguments out ---


def _refusals(data: dict[str, Any]) -> dict[str, str]:
    refused = {}
    if data.get("hidden"):
        refused["hidden"] = "Properties can't be hidden here."
    if data.get("calculationFormula"):
        refused["calculationFormula"] = "Calculated properties are not supported."
    if data.get("externalOptions"):
        refused["externalOptions"] = "Options must be stored with the property."
    if data.get("referencedObjectType"):
        refused["referencedObjectType"] = "Properties that reference another object type are not supported."
    return refused


def property_arguments(
    object_type: ObjectType | None, data: dict[str, Any], *, current: PropertyDefinition | None = None
) -> dict[str, Any]:
    """A parsed PropertyCreate (or PropertyUpdate when `current` is given) as the services' arguments;
    a ValidationError naming HubSpot's fields for whatever we can't store."""
    problems: dict[str, Any] = _refusals(data)
    arguments: dict[str, Any] = {}
    data_type = current.data_type if current is not None else None
    if "type" in data or "fieldType" in data:
        type_out, field_type_out = property_io.TYPES_OUT[data_type] if data_type else ("", "")
        try:
            asked = property_io.data_type_of(data.get("type", type_out), data.get("fieldType", field_type_out))
        except ValidationError as exc:
            problems.update(exc.message_dict)
        else:
            if current is not None and asked != current.data_type:
                problems["type"] = "A property's type can't change: its stored values and filters depend on it."
            data_type = asked
    if "options" in data and data_type is not None:
        try:
            arguments["options"] = property_io.options_in(data["options"], data_type)
        except ValidationError as exc:
            problems.update(exc.message_dict)
    if data.get("groupName") and object_type is not None:
        try:
            arguments["group"] = property_io.group_label_of(object_type, data["groupName"])
        except ValidationError as exc:
            problems.update(exc.message_dict)
    if problems:
        raise ValidationError(problems)
    for ours, theirs in (("name", "name"), ("label", "label"), ("description", "description")):
        if theirs in data:
            arguments[ours] = data[theirs]
    if "displayOrder" in data and data["displayOrder"] >= 0:
        arguments["position"] = data["displayOrder"]
    if "dataSensitivity" in data:
        arguments["sensitivity"] = property_io.SENSITIVITY_IN[data["dataSensitivity"]]
    if current is None:
        arguments.update(
            data_type=data_type,
            has_unique_value=data.get("hasUniqueValue", False),
            searchable=data.get("searchableInGlobalSearch", False),
        )
    return arguments


def definition_of(object_type: ObjectType, name: str, *, archived: bool = False) -> PropertyDefinition:
    definition = (
        property_definitions(object_type=object_type, archived=archived)
        .select_related("object_type")
        .filter(name=name)
        .first()
    )
    if definition is None:
        raise errors.not_found(f"Property {name[:100]} does not exist.", name=[name[:100]])
    return definition


def _create(request, object_type: ObjectType, data: dict[str, Any]) -> PropertyDefinition:
    try:
        return services.property_definition_create(
            actor=request.user, object_type=object_type, **property_arguments(object_type, data)
        )
    except ValidationError as exc:
        raise property_io.api_error(exc) from None


def _read_only(name: str) -> errors.ApiError:
    return errors.ApiError(
        f"{name} is computed from the record and can't be changed.",
        errors=[{"message": "A read-only property.", "in": "propertyName", "code": "READ_ONLY_PROPERTY"}],
    )


# --- views ---


class PropertyList(ApiView):
    @extend_schema(
        operation_id="properties_get_all",
        parameters=[openapi.OBJECT_TYPE, ARCHIVED, DATA_SENSITIVITY, PROPERTY_NAMES],
        responses={200: bodies.CollectionResponsePropertyNoPaging, **openapi.ERRORS},
    )
    def get(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        tier = tier_asked(request.query_params.get("dataSensitivity"))
        require_tier(self, request, object_type, tier, api_scopes.READ)
        archived, names = inputs.flag(request, "archived"), inputs.listed(request, "properties")
        definitions = (
            property_definitions(object_type=object_type, archived=archived)
            .filter(sensitivity=tier)
            .select_related("object_type")
        )
        if names:
            definitions = definitions.filter(name__in=names)
        groups = property_io.group_names(object_type)
        results = [property_io.property_body(definition, groups) for definition in definitions]
        if tier == NONE and not archived:
            results += [
                property_io.built_in_body(object_type, name, groups)
                for name in property_io.BUILT_IN
                if not names or name in names
            ]
        return Response({"results": results})

    @extend_schema(
        operation_id="properties_create",
        parameters=[openapi.OBJECT_TYPE],
        request=bodies.PropertyCreate,
        responses={201: bodies.Property, 409: openapi.Error, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        data = property_io.parsed(bodies.PropertyCreate, request.data)
        require_tier(
            self,
            request,
            object_type,
            property_io.SENSITIVITY_IN[data.get("dataSensitivity", "non_sensitive")],
            api_scopes.WRITE,
        )
        definition = _create(request, object_type, data)
        return Response(property_io.property_body(definition, property_io.group_names(object_type)), status=201)


class PropertyDetail(ApiView):
    @extend_schema(
        operation_id="properties_get_by_name",
        parameters=[openapi.OBJECT_TYPE, PROPERTY_NAME, ARCHIVED],
        responses={200: bodies.Property, **openapi.ERRORS},
    )
    def get(self, request, object_type: str, property_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.READ)
        groups = property_io.group_names(object_type)
        archived = inputs.flag(request, "archived")
        if property_name in property_io.BUILT_IN and not archived:
            return Response(property_io.built_in_body(object_type, property_name, groups))
        definition = definition_of(object_type, property_name, archived=archived)
        require_tier(self, request, object_type, definition.sensitivity, api_scopes.READ)
        return Response(property_io.property_body(definition, groups))

    @extend_schema(
        operation_id="properties_update",
        parameters=[openapi.OBJECT_TYPE, PROPERTY_NAME],
        request=bodies.PropertyUpdate,
        responses={200: bodies.Property, **openapi.ERRORS},
    )
    def patch(self, request, object_type: str, property_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        if property_name in property_io.BUILT_IN:
            raise _read_only(property_name)
        definition = definition_of(object_type, property_name)
        data = property_io.parsed(bodies.PropertyUpdate, request.data)
        asked = property_io.SENSITIVITY_IN.get(data.get("dataSensitivity", ""), definition.sensitivity)
        require_tier(self, request, object_type, higher_tier(asked, definition.sensitivity), api_scopes.WRITE)
        try:
            arguments = property_arguments(object_type, data, current=definition)
            definition = services.property_definition_change(actor=request.user, definition=definition, **arguments)
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(property_io.property_body(definition, property_io.group_names(object_type)))

    @extend_schema(
        operation_id="properties_archive",
        parameters=[openapi.OBJECT_TYPE, PROPERTY_NAME],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, object_type: str, property_name: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_schema(request, object_type, api_scopes.WRITE)
        if property_name in property_io.BUILT_IN:
            raise _read_only(property_name)
        definition = definition_of(object_type, property_name)
        require_tier(self, request, object_type, definition.sensitivity, api_scopes.WRITE)
        try:
            services.property_definition_archive(actor=request.user, definition=definition)
        except ValidationError as exc:
            raise property_io.api_error(exc) from None
        return Response(status=204)


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
        found = {
            definition.name: definition
            for definition in property_definitions(object_type=object_type, archived=data["archived"])
            .filter(sensitivity=tier, name__in=names)
            .select_related("object_type")
        }
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
            require_tier(self, request, object_type, tier, api_scopes.WRITE)
        results = []
        for data in parsed:
            try:
                with transaction.atomic():
                    results.append(_create(request, object_type, data))
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
            require_tier(self, request, object_type, definition.sensitivity, api_scopes.WRITE)
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
    path("v3/properties/<str:object_type>", PropertyList.as_view(), name="api_properties"),
    path("v3/properties/<str:object_type>/<str:property_name>", PropertyDetail.as_view(), name="api_property"),
]
