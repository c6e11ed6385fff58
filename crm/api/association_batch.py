"""HubSpot's v4 associations batch read and the association types between two object types."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from crm.api import association_base as base
from crm.api import association_openapi as docs
from crm.api import association_types as types
from crm.api import errors, openapi, shapes
from crm.records import associations


class AssociationBatchRead(base.AssociationsApi):
    @extend_schema(
        operation_id="associations_batch_read",
        parameters=[base.FROM_TYPE, base.TO_TYPE],
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
            after = base.after_of(item.get("after"), f"inputs[{at}].after")
            if (number := base.number_of(item["id"])) is not None:
                wanted[number] = after
        pages = associations.associated_pages(
            actor=request.user, from_type=from_type, numbers=list(wanted), to_type=to_type, after=wanted
        )
        results, missing = [], []
        for item in inputs:
            number = base.number_of(item["id"])
            if number not in pages:
                missing.append(item["id"][:40])
                continue
            linked, more = pages[number]
            result = {"from": {"id": str(number)}, "to": base.linked_body(from_type, to_type, linked)}
            if more:
                result["paging"] = base.paging(request, linked[-1].number, link=False)
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
            raise base.bad('The body must be {"inputs": [{"id": "..."}]}.', "inputs")
        if len(inputs) > base.BATCH_LIMIT:
            raise base.bad(
                f"Give at most {base.BATCH_LIMIT} inputs; this request has {len(inputs)}.", "inputs", "TOO_MANY"
            )
        cleaned = []
        for at, item in enumerate(inputs):
            object_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(object_id, int) and not isinstance(object_id, bool):
                object_id = str(object_id)  # many integrations keep ids as numbers
            if not isinstance(object_id, str) or not object_id.strip():
                raise base.bad("Each input needs an id.", f"inputs[{at}].id")
            cleaned.append({**item, "id": object_id.strip()})
        return cleaned


class AssociationLabelList(base.AssociationsApi):
    @extend_schema(
        operation_id="associations_labels_get_all",
        parameters=[base.FROM_TYPE, base.TO_TYPE],
        responses={200: docs.CollectionResponseAssociationSpecWithLabelNoPaging, **openapi.ERRORS},
    )
    def get(self, request, from_type: str, to_type: str):
        from_type, to_type = self.types_for(request, from_type, to_type, write=False)
        in_use = associations.association_labels_in_use(actor=request.user, from_type=from_type, to_type=to_type)
        return Response({"results": types.definitions(from_type, to_type, in_use)})
