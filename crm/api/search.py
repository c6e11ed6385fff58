"""POST /crm/v3/objects/{objectType}/search: HubSpot's CRM search.

    {"filterGroups": [{"filters": [{"propertyName", "operator", "value" | "values" | "highValue"}]}],
     "sorts": [{"propertyName", "direction": "ASCENDING" | "DESCENDING"}] (or ["-createdate"]),
     "query": "text", "properties": [...], "limit": 10, "after": "0"}
    -> {"total": N, "results": [objects], "paging": {"next": {"after": "10"}}}

The filters are the record layer's compiler (crm/records/filters/); `query` is the staff UI's quick
search (name, email, domain, phone...). `after` is an offset, as HubSpot's search has it, and a
search goes no deeper than 10,000 results. Needs crm.objects.<type>.read, and the per-second search
limit applies on top of the others.

Where HubSpot is weaker (ARCHITECTURE.md rule 8), ours wins: a filter or a sort on a sensitive
property needs the read scope of its tier (403 naming the property and the scopes), since which
records match or how they order tells their values; one on a highly sensitive property is a reveal,
audited as one; the results show what the token may read, the rest in restrictedProperties.

Our extension: filters on properties of associated records, "associations.<type>.<property>"
(crm/records/filters/associations.py); they need the other type's read scope as well (403), and
for a sensitive property that type's tier scope.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts import scopes as api_scopes
from crm.api import errors, inputs, openapi, resolve, shapes
from crm.api.base import ApiView
from crm.api.throttles import SearchThrottle
from crm.models import ObjectType, PropertyDefinition
from crm.records import api as records
from crm.records import filters
from crm.records.filters import search

PURPOSE = "api"
MAX_QUERY = 3_000
DIRECTIONS = {"ASCENDING": False, "DESCENDING": True}
_WHOLE = re.compile(r"[0-9]{1,9}")  # str.isdigit() takes "²", which int() refuses


def _invalid(where: str, message: str) -> errors.ApiError:
    return errors.invalid(ValidationError({where: message}), prefix="")


def _limit(value: Any) -> int:
    if value is None:
        return 10
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= search.MAX_LIMIT:
        raise _invalid("limit", f"limit must be a whole number from 0 to {search.MAX_LIMIT}.")
    return value


def _offset(value: Any) -> int:
    """HubSpot's search `after` is an offset: a non-negative whole number, as a string or not."""
    if value is None or value == "":
        return 0
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _WHOLE.fullmatch(text):
        raise _invalid("after", "after must be the paging.next.after of an earlier page: a whole number.")
    if int(text) >= search.MAX_RESULTS:
        raise _invalid("after", f"A search pages through its first {search.MAX_RESULTS:,} results only.")
    return int(text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_QUERY or "\x00" in value:
        raise _invalid("query", f"query must be text of at most {MAX_QUERY} characters.")
    return value


def _sort(object_type: ObjectType, definitions: dict[str, PropertyDefinition], value: Any) -> search.SearchSort | None:
    """HubSpot's one sort: [{"propertyName", "direction"}] or ["createdate"] / ["-createdate"]."""
    if value is None or value == []:
        return None
    if not isinstance(value, list) or len(value) > 1:
        raise _invalid("sorts", "sorts must be a list of one sort.")
    (item,) = value
    if isinstance(item, str) and item.strip():
        name, descending = item.strip().removeprefix("-"), item.strip().startswith("-")
    elif isinstance(item, dict) and isinstance(item.get("propertyName"), str):
        name, direction = item["propertyName"].strip(), str(item.get("direction") or "ASCENDING").upper()
        if direction not in DIRECTIONS:
            raise _invalid("sorts", "direction must be ASCENDING or DESCENDING.")
        descending = DIRECTIONS[direction]
    else:
        raise _invalid("sorts", 'A sort is {"propertyName": ..., "direction": "ASCENDING" | "DESCENDING"}.')
    try:
        return search.search_sort_parse(
            object_type=object_type, definitions=definitions, property_name=name[:100], descending=descending
        )
    except ValidationError as exc:
        raise errors.invalid(exc, prefix="") from None


def _properties(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise _invalid("properties", "properties must be a list of property names.")
    return list(dict.fromkeys(name.strip() for name in value if name.strip()))


def refused(object_type: ObjectType, exc: filters.FilterRefused) -> errors.ApiError:
    """403 naming the property and the read scopes of its tier (of its own type: an associated
    record's property needs the scopes of that type)."""
    definition = exc.definition
    if definition.object_type_id is not None and definition.object_type_id != object_type.pk:
        object_type = definition.object_type
    needed = api_scopes.object_scopes_needed(
        object_type.name, is_standard=object_type.is_standard, access=api_scopes.READ, tier=definition.sensitivity
    )
    return errors.missing_scopes(needed, prop=definition.name, message=str(exc))


class Filter(serializers.Serializer):
    propertyName = serializers.CharField(
        help_text="A property, or one of an associated record: associations.<object type>.<property> (our extension)."
    )
    operator = serializers.ChoiceField(choices=[op.value for op in filters.Operator])
    value = serializers.CharField(required=False)
    values = serializers.ListField(child=serializers.CharField(), required=False)
    highValue = serializers.CharField(required=False)


class FilterGroup(serializers.Serializer):
    filters = Filter(many=True)


class PublicObjectSearch(serializers.Serializer):
    """HubSpot's PublicObjectSearchRequest (drf-spectacular adds "Request" to request bodies)."""

    filterGroups = FilterGroup(many=True, required=False)
    sorts = serializers.ListField(child=serializers.JSONField(), required=False)
    query = serializers.CharField(required=False)
    properties = serializers.ListField(child=serializers.CharField(), required=False)
    limit = serializers.IntegerField(required=False, min_value=0, max_value=search.MAX_LIMIT)
    after = serializers.CharField(required=False)


class SearchNextPage(serializers.Serializer):
    after = serializers.CharField()


class SearchPaging(serializers.Serializer):
    next = SearchNextPage(required=False)


class CollectionResponseWithTotalSimplePublicObjectForwardPaging(serializers.Serializer):
    total = serializers.IntegerField()
    results = openapi.SimplePublicObject(many=True)
    paging = SearchPaging(required=False)


class ObjectSearch(ApiView):
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, SearchThrottle]

    @extend_schema(
        operation_id="objects_search",
        request=PublicObjectSearch,
        responses={200: CollectionResponseWithTotalSimplePublicObjectForwardPaging, **openapi.ERRORS},
    )
    @method_decorator(sensitive_variables())  # the page's values in hand: none in an error report
    def post(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.READ)
        body = request.data
        if not isinstance(body, dict):
            raise _invalid("body", "The body must be a JSON object.")
        definitions = inputs.definitions_by_name(object_type)
        try:
            query = filters.query_parse(body.get("filterGroups"))
            others = filters.associated_types(object_type=object_type, query=query)
        except ValidationError as exc:
            raise errors.invalid(exc, prefix="") from None
        for other in others:  # a filter through an association reads the other type too
            self.require_objects(request, other, api_scopes.READ)
        sort = _sort(object_type, definitions, body.get("sorts"))
        text, limit, offset = _text(body.get("query")), _limit(body.get("limit")), _offset(body.get("after"))
        names = inputs.properties_to_read(object_type, _properties(body.get("properties")), definitions)
        try:
            # The token's scopes are its grants: a highly sensitive filter passes with that tier's read scope.
            page = search.record_search(
                actor=request.user,
                object_type=object_type,
                query=query,
                text=text,
                sort=sort,
                offset=offset,
                limit=limit,
                reveal=True,
            )
        except filters.FilterRefused as exc:
            raise refused(object_type, exc) from None
        except ValidationError as exc:
            raise errors.invalid(exc, prefix="") from None
        views = records.record_views(
            actor=request.user,
            records=page.records,
            properties=names,
            purpose=PURPOSE,
            reveal=inputs.highly_sensitive_of(names, definitions),
        )
        data: dict[str, Any] = {"total": page.total, "results": [shapes.object_body(view) for view in views]}
        if page.next_offset is not None:
            data["paging"] = {"next": {"after": str(page.next_offset)}}
        return Response(data)


urlpatterns = [
    path("v3/objects/<str:object_type>/search", ObjectSearch.as_view(), name="api_object_search"),
]
