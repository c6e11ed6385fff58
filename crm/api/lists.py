"""/crm/v3/lists/...: HubSpot's lists API v3 (create, get, search, delete, memberships).

Lists are workflows/ (services, selectors, building); this module translates HubSpot's shapes.
Scopes: crm.lists.read, crm.lists.write; a filter through an association also needs the read
scope of the other type, and a filter on a sensitive property the app's read scope of the tier
(the record layer's rule, as the search's).

Where we differ from HubSpot, on purpose or for now:
- the filter is HubSpot's `filterBranch` in its common shape (crm/api/list_filters.py: an OR of AND
  branches of PROPERTY filters; the rest is a 400), or our search's `filterGroups` (OR of AND groups
  of {propertyName, operator, value...}, associations.<type>.<property> included), which wins when
  both are sent; a list reads back as filterGroups;
- a filter on a highly sensitive property is refused (HubSpot refuses those in lists too), and the
  values of a filter on a sensitive property are never read back: they come back as "REDACTED";
- listId is our numeric id; processingType SNAPSHOT is not offered; memberships pages by the record
  id (`after` is the last record id of the page), members being those the token may read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from crm.api import errors, openapi, resolve
from crm.api.base import ApiView
from crm.api.list_filters import filter_refusals, query_of_body
from crm.api.openapi_lists import (
    AFTER,
    LIMIT,
    MAX_COUNT,
    RECORD_IDS,
    ListCreate,
    ListResponse,
    ListSearch,
    ListSearchResponse,
    MembershipsPage,
    MembershipsUpdateResponse,
)
from crm.records import lookup
from crm.records.filters.stored import query_shown
from workflows import selectors, services
from workflows.models import List, ListMembership

READ, WRITE = "crm.lists.read", "crm.lists.write"
PROCESSING = {"MANUAL": List.Kind.STATIC, "DYNAMIC": List.Kind.ACTIVE}
STATUS = {
    List.Status.IDLE: "COMPLETE",
    List.Status.DONE: "COMPLETE",
    List.Status.BUILDING: "PROCESSING",
    List.Status.FAILED: "FAILED",
}
MAX_IDS = 100_000  # HubSpot's limit on record ids in one memberships call


def _invalid(where: str, message: str) -> errors.ApiError:
    return errors.ApiError(message, errors=[{"message": message, "in": where, "code": "INVALID_INPUT"}])


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _shown(stored: dict) -> list:
    """The filter groups as HubSpot writes filters: values as strings (sealed ones "REDACTED")."""
    groups = query_shown(stored)
    for f in (f for group in groups for f in group["filters"]):
        for key in ("value", "highValue"):
            if key in f:
                f[key] = _text(f[key])
        if "values" in f:
            f["values"] = [_text(value) for value in f["values"]]
    return groups


def list_body(the_list: List) -> dict[str, Any]:
    """HubSpot's PublicObjectList, with our filterGroups."""
    return {
        "listId": str(the_list.number),
        "name": the_list.name,
        "objectTypeId": the_list.object_type.type_id,
        "processingType": "DYNAMIC" if the_list.kind == List.Kind.ACTIVE else "MANUAL",
        "processingStatus": STATUS[the_list.status],
        "listVersion": the_list.build,
        "size": the_list.member_count,
        "createdAt": the_list.created_at.isoformat(),
        "updatedAt": the_list.updated_at.isoformat(),
        "createdById": str(the_list.created_by.number) if the_list.created_by_id else None,
        "filterGroups": _shown(the_list.filters),
    }


def _list_of(request, list_id: str) -> List:
    try:
        return selectors.list_get(actor=request.user, number=resolve.record_number_of(list_id))
    except selectors.ListNotFound:
        raise errors.not_found(f"List {list_id[:40]} does not exist.") from None


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise _invalid("body", "The body must be a JSON object.")
    return request.data


class ListCollection(ApiView):
    @extend_schema(operation_id="lists_create", request=ListCreate, responses={200: ListResponse, **openapi.ERRORS})
    def post(self, request):
        self.require(request, [WRITE])
        body = _body(request)
        name, type_id, processing = body.get("name"), body.get("objectTypeId"), body.get("processingType")
        if not isinstance(name, str):
            raise _invalid("name", "name must be a string.")
        if not isinstance(type_id, str):
            raise _invalid("objectTypeId", 'objectTypeId must be a string ("0-1" for contacts).')
        if not isinstance(processing, str) or processing not in PROCESSING:
            raise _invalid("processingType", "processingType must be MANUAL or DYNAMIC.")
        object_type = resolve.object_type_of(request.user, type_id)
        with filter_refusals(object_type):
            the_list = services.list_create(
                actor=request.user,
                object_type=object_type,
                name=name,
                kind=PROCESSING[processing],
                filters=query_of_body(self, request, object_type, body),
            )
        the_list.refresh_from_db()
        return Response({"list": list_body(the_list)})


class ListSearchView(ApiView):
    @extend_schema(
        operation_id="lists_search", request=ListSearch, responses={200: ListSearchResponse, **openapi.ERRORS}
    )
    def post(self, request):
        self.require(request, [READ])
        body = _body(request)
        query, ids, kinds = body.get("query") or "", body.get("listIds"), body.get("processingTypes")
        offset, count = body.get("offset", 0), body.get("count", 20)
        if not isinstance(query, str):
            raise _invalid("query", "query must be a string.")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise _invalid("offset", "offset must be a whole number, 0 or more.")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            raise _invalid("count", f"count must be a whole number from 1 to {MAX_COUNT}.")
        lists = selectors.list_list(actor=request.user, query=query[:255]).order_by("number")
        if ids is not None:
            ids = ids if isinstance(ids, list) else [None]
            numbers = [resolve.whole_number(str(i)) if isinstance(i, str | int) else None for i in ids]
            if None in numbers:
                raise _invalid("listIds", "listIds must be a list of list ids.")
            lists = lists.filter(number__in=numbers[:MAX_COUNT])
        if kinds is not None:
            if not isinstance(kinds, list) or not all(isinstance(kind, str) and kind in PROCESSING for kind in kinds):
                raise _invalid("processingTypes", "processingTypes lists MANUAL and DYNAMIC.")
            lists = lists.filter(kind__in=[PROCESSING[kind] for kind in kinds])
        total = lists.count()
        page = list(lists[offset : offset + count])
        return Response(
            {
                "lists": [list_body(the_list) for the_list in page],
                "total": total,
                "offset": offset + len(page),
                "hasMore": offset + len(page) < total,
            }
        )


class ListDetail(ApiView):
    @extend_schema(operation_id="lists_get_by_id", responses={200: ListResponse, **openapi.ERRORS})
    def get(self, request, list_id: str):
        self.require(request, [READ])
        return Response({"list": list_body(_list_of(request, list_id))})

    @extend_schema(operation_id="lists_remove", responses={204: None, **openapi.ERRORS})
    def delete(self, request, list_id: str):
        self.require(request, [WRITE])
        services.list_delete(actor=request.user, the_list=_list_of(request, list_id))
        return Response(status=204)


def _record_ids(request) -> list[str]:
    ids = request.data
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(isinstance(i, str | int) for i in ids):
        raise _invalid("body", f"The body must be a list of at most {MAX_IDS} record ids.")
    return [str(i).strip()[:40] for i in ids]


class MembershipChange(ApiView):
    change = "add"
    json_body = list  # HubSpot's body: a JSON array of record ids

    def change_members(self, request, list_id: str):
        self.require(request, [WRITE])
        the_list, ids = _list_of(request, list_id), _record_ids(request)
        number_of = {i: resolve.whole_number(i) for i in ids}
        numbers = [number for number in number_of.values() if number is not None]
        found = lookup.records_by_numbers(actor=request.user, object_type=the_list.object_type, numbers=numbers)
        change = services.list_members_add if self.change == "add" else services.list_members_remove
        source = {"source": ListMembership.Source.API} if self.change == "add" else {}
        try:
            changed = set(change(actor=request.user, the_list=the_list, records=list(found.values()), **source))
        except ValidationError as exc:
            raise errors.invalid(exc, prefix="") from None
        except PermissionDenied as exc:
            raise errors.ApiError(str(exc), status_code=403) from None
        numbers_changed = sorted(str(r.number) for r in found.values() if r.pk in changed)
        missing = [i for i in dict.fromkeys(ids) if number_of[i] not in found]
        key = "recordsIdsAdded" if self.change == "add" else "recordIdsRemoved"
        return Response({key: numbers_changed, "recordIdsMissing": missing})


class MembershipAdd(MembershipChange):
    change = "add"

    @extend_schema(
        operation_id="lists_memberships_add",
        request=RECORD_IDS,
        responses={200: MembershipsUpdateResponse, **openapi.ERRORS},
    )
    def put(self, request, list_id: str):
        return self.change_members(request, list_id)


class MembershipRemove(MembershipChange):
    change = "remove"

    @extend_schema(
        operation_id="lists_memberships_remove",
        request=RECORD_IDS,
        responses={200: MembershipsUpdateResponse, **openapi.ERRORS},
    )
    def put(self, request, list_id: str):
        return self.change_members(request, list_id)


@extend_schema(exclude=True)
class ListCollectionSlash(ListCollection):
    """/crm/v3/lists/ (HubSpot's clients post there): the same operation, documented once."""


class Memberships(ApiView):
    @extend_schema(
        operation_id="lists_memberships_get_page",
        parameters=[AFTER, LIMIT],
        responses={200: MembershipsPage, **openapi.ERRORS},
    )
    def get(self, request, list_id: str):
        self.require(request, [READ])
        the_list = _list_of(request, list_id)
        after, limit = request.query_params.get("after", "0"), request.query_params.get("limit", "100")
        after, limit = resolve.whole_number(after), resolve.whole_number(limit)
        if after is None:
            raise _invalid("after", "after must be a record id.")
        if limit is None or not 1 <= limit <= 250:
            raise _invalid("limit", "limit must be a whole number from 1 to 250.")
        members = selectors.list_members(actor=request.user, the_list=the_list).filter(number__gt=after)
        page = list(members.values_list("number", "list_memberships__added_at")[: limit + 1])
        more, page = len(page) > limit, page[:limit]
        body: dict[str, Any] = {
            "results": [{"recordId": str(number), "membershipTimestamp": added.isoformat()} for number, added in page]
        }
        if more:
            body["paging"] = {"next": {"after": str(page[-1][0])}}
        return Response(body)


urlpatterns = [
    path("v3/lists", ListCollection.as_view(), name="api_lists"),
    path("v3/lists/", ListCollectionSlash.as_view()),
    path("v3/lists/search", ListSearchView.as_view(), name="api_lists_search"),
    path("v3/lists/<str:list_id>", ListDetail.as_view(), name="api_list"),
    path("v3/lists/<str:list_id>/memberships", Memberships.as_view(), name="api_list_memberships"),
    path("v3/lists/<str:list_id>/memberships/add", MembershipAdd.as_view(), name="api_list_memberships_add"),
    path("v3/lists/<str:list_id>/memberships/remove", MembershipRemove.as_view(), name="api_list_memberships_remove"),
]
