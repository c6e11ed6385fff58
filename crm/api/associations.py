"""HubSpot's v4 associations: link two records (unlabeled or with labels), list a record's links to one
object type page by page, unlink, batch-read links, and list the association types between two types.

Ids are records' numeric ids; association types are HubSpot's (crm/api/association_types.py). A
record of another tenant or outside the app's record scope is a 404 like a missing one, and a link
to such a record is left out as if it did not exist.

Scopes (crm/api/association_base.py): reading needs the read scope of both object types, writing
the write scope of the "from" type and the read scope of the "to" type. The batch read and the
labels are in crm/api/association_batch.py.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from crm.api import association_base as base
from crm.api import association_batch, openapi, shapes
from crm.api import association_openapi as docs
from crm.api import association_types as types
from crm.records import associations


class AssociationDefaultCreate(base.AssociationsApi):
    @extend_schema(
        operation_id="associations_create_default",
        parameters=[base.FROM_TYPE, base.FROM_ID, base.TO_TYPE, base.TO_ID],
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


class AssociationDetail(base.AssociationsApi):
    """PUT: link with the labels of the body; DELETE: every link between the two records."""

    json_body = list  # HubSpot's body here is a list of association types (crm/api/parsers.py)

    @extend_schema(
        operation_id="associations_create",
        parameters=[base.FROM_TYPE, base.FROM_ID, base.TO_TYPE, base.TO_ID],
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
            raise base.bad(
                "The body must be a list of association types: "
                '[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}].',
                "body",
            )
        if len(specs) > 100:
            raise base.bad("Give at most 100 association types.", "body")
        return specs

    @staticmethod
    def _label(from_type, to_type, spec, where: str, in_use) -> str:
        category = spec.get("associationCategory") if isinstance(spec, dict) else None
        type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
        if category not in types.CATEGORIES:
            raise base.bad(
                f"associationCategory must be one of {', '.join(types.CATEGORIES)}.", f"{where}.associationCategory"
            )
        if isinstance(type_id, bool) or not isinstance(type_id, int):
            raise base.bad("associationTypeId must be a whole number.", f"{where}.associationTypeId")
        label = types.label_of(from_type, to_type, category, type_id, in_use)
        if label is None:
            raise base.bad(
                f"{category} {type_id} is not an association type from {from_type.name} to {to_type.name}; "
                f"see GET /crm/v4/associations/{from_type.type_id}/{to_type.type_id}/labels.",
                f"{where}.associationTypeId",
                "INVALID_ASSOCIATION_TYPE",
            )
        return label

    @extend_schema(
        operation_id="associations_archive",
        parameters=[base.FROM_TYPE, base.FROM_ID, base.TO_TYPE, base.TO_ID],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, from_type: str, from_id: str, to_type: str, to_id: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=True)
        record, other = self.record_of(request, from_type, from_id), self.record_of(request, to_type, to_id)
        associations.association_unlink(actor=request.user, record=record, other=other)
        return Response(status=204)


class AssociationList(base.AssociationsApi):
    @extend_schema(
        operation_id="associations_get_page",
        parameters=[base.FROM_TYPE, base.FROM_ID, base.TO_TYPE, docs.LIMIT, docs.AFTER],
        responses={200: docs.CollectionResponseMultiAssociatedObjectWithLabelForwardPaging, **openapi.ERRORS},
    )
    def get(self, request, from_type: str, from_id: str, to_type: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=False)
        after, limit = base.page_params(request)
        record = self.record_of(request, from_type, from_id)
        linked, more = associations.associated_page(
            actor=request.user, record=record, to_type=to_type, after=after, limit=limit
        )
        body: dict = {"results": base.linked_body(from_type, to_type, linked)}
        if more:
            body["paging"] = base.paging(request, linked[-1].number)
        return Response(body)


_OBJECT = "v4/objects/<str:from_type>/<str:from_id>/associations"
urlpatterns = [
    path(f"{_OBJECT}/default/<str:to_type>/<str:to_id>", AssociationDefaultCreate.as_view(), name="api_assoc_default"),
    path(f"{_OBJECT}/<str:to_type>/<str:to_id>", AssociationDetail.as_view(), name="api_assoc_detail"),
    path(f"{_OBJECT}/<str:to_type>", AssociationList.as_view(), name="api_assoc_list"),
    path("v4/associations/<str:from_type>/<str:to_type>/batch/read", association_batch.AssociationBatchRead.as_view()),
    path("v4/associations/<str:from_type>/<str:to_type>/labels", association_batch.AssociationLabelList.as_view()),
]
