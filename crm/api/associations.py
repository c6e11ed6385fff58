"""HubSpot's v4 associations: link two records (unlabeled or with labels), list a record's links to one
object type page by page, unlink, batch-read links, and list the association types between two types.

Ids are records' numeric ids; association types are HubSpot's (crm/api/association_types.py). A
record of another tenant or outside the app's record scope is a 404 like a missing one, and a link
to such a record is left out as if it did not exist.

Scopes: HubSpot's reference lists any object scope for these endpoints; we ask for what the call
touches (ARCHITECTURE.md rule 8): reading needs the read scope of both object types, writing the
write scope of the "from" type and the read scope of the "to" type. Links carry no property values,
so no sensitive scope is needed.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm.api import association_openapi as docs
from crm.api import association_types as types
from crm.api import errors, openapi, resolve, shapes
from crm.api.base import ApiView
from crm.models import ObjectType, Record
from crm.records import associations, lookup

PAGE_LIMIT = 500  # HubSpot's default and largest page of associations
BATCH_LIMIT = 1_000  # HubSpot's limit of inputs for the associations batch read

FROM_TYPE = OpenApiParameter("from_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="contacts, 0-1, ...")
TO_TYPE = OpenApiParameter("to_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="companies, 0-2, ...")
FROM_ID = OpenApiParameter("from_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The record's numeric id.")
TO_ID = OpenApiParameter("to_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The other record's id.")


def _bad(message: str, where: str, code: str = "INVALID_INPUT") -> errors.ApiError:
    return errors.ApiError(message, errors=[{"message": message, "in": where, "code": code}])


class AssociationsApi(ApiView):
    """What every associations call does first: the two object types, then the scopes they need."""

    def types_for(self, request, from_name: str, to_name: str, *, write: bool) -> tuple[ObjectType, ObjectType]:
        from_type = resolve.object_type_of(request.user, from_name)
        to_type = resolve.object_type_of(request.user, to_name)
        needs = [
            api_scopes.object_scopes_needed(
                from_type.name, is_standard=from_type.is_standard, access=api_scopes.WRITE if write else api_scopes.READ
            ),
            api_scopes.object_scopes_needed(to_type.name, is_standard=to_type.is_standard, access=api_scopes.READ),
        ]
        missing = [any_of for any_of in needs if not api_scopes.may(self.granted(request), any_of)]
        if missing:
            raise errors.missing_scopes(list(dict.fromkeys(scope for any_of in missing for scope in any_of)))
        return from_type, to_type

    @staticmethod
    def record_of(request, object_type: ObjectType, object_id: str) -> Record:
        number = resolve.record_number_of(object_id)
        try:
            return lookup.record_get_by_number(actor=request.user, object_type=object_type, number=number)
        except Record.DoesNotExist:
            raise errors.not_found(id=[object_id[:40]]) from None


def _page_params(request) -> tuple[int | None, int]:
    after, limit = request.query_params.get("after"), request.query_params.get("limit")
    return _after_of(after, "after"), _limit_of(limit)


def _after_of(text, where: str) -> int | None:
    if text in (None, ""):
        return None
    text = str(text).strip()
    if not text.isdigit() or len(text) > 18:
        raise _bad("The paging cursor `after` is not valid: use paging.next.after of the previous page.", where)
    return int(text)


def _limit_of(text) -> int:
    if text in (None, ""):
        return PAGE_LIMIT
    if not str(text).strip().isdigit() or not 1 <= int(text) <= PAGE_LIMIT:
        raise _bad(f"limit must be a whole number from 1 to {PAGE_LIMIT}.", "limit")
    return int(text)


def _linked_body(from_type: ObjectType, to_type: ObjectType, linked) -> list[dict]:
    return [
        {"toObjectId": item.number, "associationTypes": types.types_with_labels(from_type, to_type, item.labels)}
        for item in linked
    ]


def _paging(request, after: int, *, link: bool = True) -> dict:
    nxt = {"after": str(after)}
    if link:
        query = request.query_params.copy()
        query["after"] = str(after)
        nxt["link"] = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"next": nxt}


class AssociationDefaultCreate(AssociationsApi):
    @extend_schema(
        operation_id="associations_create_default",
        parameters=[FROM_TYPE, FROM_ID, TO_TYPE, TO_ID],
        request=None,
        responses={200: docs.BatchResponsePublicDefaultAssociation, **openapi.ERRORS},
    )
    def put(self, request, from_type: str, from_id: str, to_type: str, to_id: str):
        started = timezone.now()
        from_type, to_type = self.types_for(request, from_type, to_type, write=True)
        record, other = self.record_of(request, from_type, from_id), self.record_of(request, to_type, to_id)
        associations.association_link(actor=request.user, record=record, other=other)
        results = [
            {"from": {"id": str(a.number)}, "to": {"id": str(b.number)}, "associationSpec": types.default_spec(t, u)}
            for a, b, t, u in ((record, other, from_type, to_type), (other, record, to_type, from_type))
        ]
        return Response(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": shapes.timestamp(started),
                "completedAt": shapes.timestamp(timezone.now()),
            }
        )


class AssociationDetail(AssociationsApi):
    """PUT: link with the labels of the body; DELETE: every link between the two records."""

    @extend_schema(
        operation_id="associations_create",
        parameters=[FROM_TYPE, FROM_ID, TO_TYPE, TO_ID],
        request=docs.AssociationSpec(many=True),
        responses={201: docs.LabelsBetweenObjectPair, **openapi.ERRORS},
    )
    def put(self, request, from_type: str, from_id: str, to_type: str, to_id: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=True)
        record, other = self.record_of(request, from_type, from_id), self.record_of(request, to_type, to_id)
        specs = self._specs(request)
        in_use = []  # the tenant's labels are looked up only when a spec may name one
        if any(
            not isinstance(spec, dict) or spec.get("associationCategory") != types.HUBSPOT_DEFINED for spec in specs
        ):
            in_use = associations.association_labels_in_use(actor=request.user, from_type=from_type, to_type=to_type)
        labels = [self._label(from_type, to_type, spec, f"[{at}]", in_use) for at, spec in enumerate(specs)]
        now = associations.association_link(actor=request.user, record=record, other=other, labels=labels)
        body = {
            "fromObjectTypeId": from_type.type_id,
            "fromObjectId": record.number,
            "toObjectTypeId": to_type.type_id,
            "toObjectId": other.number,
            "labels": sorted(label for label in now if label),
        }
        return Response(body, status=201)

    @staticmethod
    def _specs(request) -> list:
        specs = request.data
        if not isinstance(specs, list) or not specs:
            raise _bad(
                "The body must be a list of association types: "
                '[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}].',
                "body",
            )
        if len(specs) > 100:
            raise _bad("Give at most 100 association types.", "body")
        return specs

    @staticmethod
    def _label(from_type, to_type, spec, where: str, in_use) -> str:
        category = spec.get("associationCategory") if isinstance(spec, dict) else None
        type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
        if category not in types.CATEGORIES:
            raise _bad(
                f"associationCategory must be one of {', '.join(types.CATEGORIES)}.", f"{where}.associationCategory"
            )
        if isinstance(type_id, bool) or not isinstance(type_id, int):
            raise _bad("associationTypeId must be a whole number.", f"{where}.associationTypeId")
        label = types.label_of(from_type, to_type, category, type_id, in_use)
        if label is None:
            raise _bad(
                f"{category} {type_id} is not an association type from {from_type.name} to {to_type.name}; "
                f"see GET /crm/v4/associations/{from_type.type_id}/{to_type.type_id}/labels.",
                f"{where}.associationTypeId",
                "INVALID_ASSOCIATION_TYPE",
            )
        return label

    @extend_schema(
        operation_id="associations_archive",
        parameters=[FROM_TYPE, FROM_ID, TO_TYPE, TO_ID],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, from_type: str, from_id: str, to_type: str, to_id: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=True)
        record, other = self.record_of(request, from_type, from_id), self.record_of(request, to_type, to_id)
        associations.association_unlink(actor=request.user, record=record, other=other)
        return Response(status=204)


class AssociationList(AssociationsApi):
    @extend_schema(
        operation_id="associations_get_page",
        parameters=[FROM_TYPE, FROM_ID, TO_TYPE, docs.LIMIT, docs.AFTER],
        responses={200: docs.CollectionResponseMultiAssociatedObjectWithLabelForwardPaging, **openapi.ERRORS},
    )
    def get(self, request, from_type: str, from_id: str, to_type: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=False)
        after, limit = _page_params(request)
        record = self.record_of(request, from_type, from_id)
        linked, more = associations.associated_page(
            actor=request.user, record=record, to_type=to_type, after=after, limit=limit
        )
        body: dict = {"results": _linked_body(from_type, to_type, linked)}
        if more:
            body["paging"] = _paging(request, linked[-1].number)
        return Response(body)


class AssociationBatchRead(AssociationsApi):
    @extend_schema(
        operation_id="associations_batch_read",
        parameters=[FROM_TYPE, TO_TYPE],
        request=docs.BatchInputPublicFetchAssociationsBatchRequest,
        responses={
            200: docs.BatchResponsePublicAssociationMultiWithLabel,
            207: docs.BatchResponsePublicAssociationMultiWithLabel,
            **openapi.ERRORS,
        },
    )
    def post(self, request, from_type: str, to_type: str):
        started = timezone.now()
        from_type, to_type = self.types_for(request, from_type, to_type, write=False)
        inputs = self._inputs(request)
        wanted = {}  # number: after, for the ids that are numbers (any other id is as missing as a missing one)
        for at, item in enumerate(inputs):
            after = _after_of(item.get("after"), f"inputs[{at}].after")
            if item["id"].isdigit() and len(item["id"]) <= 18:
                wanted[int(item["id"])] = after
        pages = associations.associated_pages(
            actor=request.user, from_type=from_type, numbers=list(wanted), to_type=to_type, after=wanted
        )
        results, missing = [], []
        for item in inputs:
            number = int(item["id"]) if item["id"].isdigit() and len(item["id"]) <= 18 else None
            if number not in pages:
                missing.append(item["id"][:40])
                continue
            linked, more = pages[number]
            result = {"from": {"id": str(number)}, "to": _linked_body(from_type, to_type, linked)}
            if more:
                result["paging"] = _paging(request, linked[-1].number, link=False)
            results.append(result)
        body: dict = {"status": "COMPLETE", "results": results}
        if missing:
            body["numErrors"] = 1
            body["errors"] = [
                {
                    "status": "error",
                    "category": errors.OBJECT_NOT_FOUND,
                    "message": f"Could not find some {from_type.name} records: they may be deleted or not exist.",
                    "context": {"ids": missing},
                    "errors": [],
                    "links": {},
                }
            ]
        body["startedAt"], body["completedAt"] = shapes.timestamp(started), shapes.timestamp(timezone.now())
        return Response(body, status=207 if missing else 200)

    @staticmethod
    def _inputs(request) -> list[dict]:
        data = request.data
        inputs = data.get("inputs") if isinstance(data, dict) else None
        if not isinstance(inputs, list):
            raise _bad('The body must be {"inputs": [{"id": "..."}]}.', "inputs")
        if len(inputs) > BATCH_LIMIT:
            raise _bad(f"Give at most {BATCH_LIMIT} inputs; this request has {len(inputs)}.", "inputs", "TOO_MANY")
        cleaned = []
        for at, item in enumerate(inputs):
            object_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(object_id, int) and not isinstance(object_id, bool):
                object_id = str(object_id)  # many integrations keep ids as numbers
            if not isinstance(object_id, str) or not object_id.strip():
                raise _bad("Each input needs an id.", f"inputs[{at}].id")
            cleaned.append({**item, "id": object_id.strip()})
        return cleaned


class AssociationLabelList(AssociationsApi):
    @extend_schema(
        operation_id="associations_labels_get_all",
        parameters=[FROM_TYPE, TO_TYPE],
        responses={200: docs.CollectionResponseAssociationSpecWithLabelNoPaging, **openapi.ERRORS},
    )
    def get(self, request, from_type: str, to_type: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=False)
        in_use = associations.association_labels_in_use(actor=request.user, from_type=from_type, to_type=to_type)
        return Response({"results": types.definitions(from_type, to_type, in_use)})


_OBJECT = "v4/objects/<str:from_type>/<str:from_id>/associations"
urlpatterns = [
    path(f"{_OBJECT}/default/<str:to_type>/<str:to_id>", AssociationDefaultCreate.as_view(), name="api_assoc_default"),
    path(f"{_OBJECT}/<str:to_type>/<str:to_id>", AssociationDetail.as_view(), name="api_assoc_detail"),
    path(f"{_OBJECT}/<str:to_type>", AssociationList.as_view(), name="api_assoc_list"),
    path("v4/associations/<str:from_type>/<str:to_type>/batch/read", AssociationBatchRead.as_view()),
    path("v4/associations/<str:from_type>/<str:to_type>/labels", AssociationLabelList.as_view()),
]
