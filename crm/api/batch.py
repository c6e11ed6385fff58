"""/crm/v3/objects/{objectType}/batch/read|create|update|upsert|archive: HubSpot's batch API, 100 inputs at most.

Writes are all or nothing: every input is checked first (shape, names, sensitive scopes, values) and
one bad input refuses the whole batch, a 400 (or 403) with an error item per input and property;
then all inputs are written in one transaction. Ids that are not found (missing, archived, another
tenant's, outside the app's record scope: alike) are HubSpot's 207 multi-status, with an
OBJECT_NOT_FOUND error naming them, and the others are read, updated or archived. A batch read is one
record_views call, so one audit event, whatever the number of records.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm.api import batch_inputs, inputs, openapi, openapi_objects, resolve, shapes, writes
from crm.api.base import ApiView
from crm.api.objects import Reader, written_reader
from crm.models import ObjectType, Record
from crm.records import api as records


def _answer(object_type: ObjectType, results: list[dict], started: dt.datetime, missing: list[str], status: int = 200):
    if missing:
        body = shapes.batch_body(results, started, errors=[shapes.not_found_error(object_type, missing)])
        return Response(body, status=207)
    return Response(shapes.batch_body(results, started), status=status)


def _writes_of(request, object_type, items) -> list[tuple[str, writes.Write]]:
    """Each input's Write, after the checks of names and scopes (400 or 403 for the whole batch)."""
    definitions = inputs.definitions_by_name(object_type)
    pairs, problems = [], []
    for index, one in enumerate(items):
        where = f"inputs[{index}].properties"
        write, found = writes.write_of(request.user, definitions, one.get("properties", {}), where)
        pairs.append((where, write))
        problems += found
    writes.refuse_unwritable(request, object_type, pairs)
    if problems:
        raise writes.bad_request(problems)
    return pairs


def _bulk_failed(exc: ValidationError, positions: list[int]) -> writes.errors.ApiError:
    """records_write_bulk's errors ("row N": messages) as items of the inputs the rows came from (a
    value the checks let through, or a schema change between the checks and the write)."""
    problems = []
    for key, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        row = key.split()[-1] if key.startswith("row ") else ""
        where = f"inputs[{positions[int(row) - 1]}].properties" if row.isdigit() else "inputs"
        problems += [writes.item(message, where, "INVALID_PROPERTY_VALUE") for message in messages]
    return writes.bad_request(problems, "Property values were not valid.")


class BatchApi(ApiView):
    access = api_scopes.WRITE

    def begin(self, request, object_type: str) -> tuple[ObjectType, dict, list[dict], dt.datetime]:
        started = dt.datetime.now(dt.UTC)
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, self.access)
        body = writes.body_of(request)
        return object_type, body, batch_inputs.inputs_of(body), started


class BatchRead(BatchApi):
    access = api_scopes.READ

    @extend_schema(
        operation_id="batch_read",
        parameters=[openapi_objects.ARCHIVED],
        request=openapi_objects.BatchReadInput,
        responses={200: openapi_objects.BatchResponse, 207: openapi_objects.BatchResponseWithErrors, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type, body, items, started = self.begin(request, object_type)
        asked = body.get("properties") or []
        if not isinstance(asked, list) or not all(isinstance(name, str) for name in asked):
            raise writes.bad_request([writes.item("properties must be a list of names.", "properties", "INVALID_BODY")])
        reader = Reader.of(self, request, object_type, list(dict.fromkeys(asked)))
        definitions = inputs.definitions_by_name(object_type)
        ids = batch_inputs.ids(items)
        id_property = inputs.id_property_of(body.get("idProperty"), definitions)
        found = batch_inputs.find(
            request.user, object_type, ids, [id_property] * len(ids), archived=inputs.flag(request, "archived")
        )
        unique = list({record.pk: record for record in found if record is not None}.values())
        missing = list(dict.fromkeys(text for text, record in zip(ids, found, strict=True) if record is None))
        return _answer(object_type, reader.bodies(request.user, unique), started, missing)


class BatchCreate(BatchApi):
    @extend_schema(
        operation_id="batch_create",
        request=openapi_objects.BatchInputForCreate,
        responses={201: openapi_objects.BatchResponse, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type, _, items, started = self.begin(request, object_type)
        pairs = _writes_of(request, object_type, items)
        targets, problems = writes.links_of(
            request.user,
            object_type,
            [(f"inputs[{index}].associations", one.get("associations")) for index, one in enumerate(items)],
            lambda to_type: self.require_objects(request, to_type, api_scopes.READ),
        )
        if problems:
            raise writes.bad_request(problems)
        writes.check_values(object_type, pairs, creating=True)
        if not pairs:
            return _answer(object_type, [], started, [], status=201)
        try:
            with transaction.atomic():
                created = records.records_write_bulk(
                    actor=request.user,
                    object_type=object_type,
                    rows=[write.values for _, write in pairs],
                    owners=[write.owner for _, write in pairs],
                )
                for record, links in zip(created, targets, strict=True):
                    for target in links:
                        records.record_associate(actor=request.user, from_record=record, to_record=target)
        except ValidationError as exc:
            raise _bulk_failed(exc, list(range(len(pairs)))) from None
        results = written_reader(object_type, [write for _, write in pairs]).bodies(request.user, created)
        return _answer(object_type, results, started, [], status=201)


class BatchUpdate(BatchApi):
    @extend_schema(
        operation_id="batch_update",
        request=openapi_objects.BatchInputUpdate,
        responses={200: openapi_objects.BatchResponse, 207: openapi_objects.BatchResponseWithErrors, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type, body, items, started = self.begin(request, object_type)
        ids = batch_inputs.ids(items)
        id_properties = batch_inputs.id_properties(items, body, inputs.definitions_by_name(object_type))
        found = batch_inputs.find(request.user, object_type, ids, id_properties)
        batch_inputs.no_duplicates([record.pk if record else None for record in found])
        pairs = _writes_of(request, object_type, items)
        writes.check_values(object_type, pairs, creating=False)
        changed = []
        try:
            with transaction.atomic():
                for record, (_, write) in zip(found, pairs, strict=True):
                    if record is not None:
                        changed.append(self.update(request, record, write))
        except ValidationError as exc:  # a value the checks let through, or a race with a schema change
            raise writes.bad_request(writes.invalid_items(exc, "inputs"), "Property values were not valid.") from None
        results = written_reader(object_type, [write for _, write in pairs]).bodies(request.user, changed)
        missing = list(dict.fromkeys(text for text, record in zip(ids, found, strict=True) if record is None))
        return _answer(object_type, results, started, missing)

    @staticmethod
    def update(request, record: Record, write: writes.Write) -> Record:
        return records.record_write(
            actor=request.user, record=record, values=write.values, owner=write.owner, clear_owner=write.clear_owner
        )


class BatchUpsert(BatchApi):
    @extend_schema(
        operation_id="batch_upsert",
        request=openapi_objects.BatchInputUpsert,
        responses={200: openapi_objects.BatchResponseUpsert, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type, body, items, started = self.begin(request, object_type)
        ids = batch_inputs.ids(items)
        id_properties = batch_inputs.id_properties(items, body, inputs.definitions_by_name(object_type), required=True)
        batch_inputs.no_duplicates([(d.name, text.lower()) for d, text in zip(id_properties, ids, strict=True)])
        found = batch_inputs.find(request.user, object_type, ids, id_properties)
        batch_inputs.no_duplicates([record.pk if record else None for record in found])
        pairs = _writes_of(request, object_type, items)
        for (_, write), record, definition, text in zip(pairs, found, id_properties, ids, strict=True):
            if record is None:  # a new object holds the id it was looked up by
                write.values.setdefault(definition.name, text)
        writes.check_values(object_type, pairs, creating=[record is None for record in found])
        new = [index for index, record in enumerate(found) if record is None]
        with transaction.atomic():
            try:
                created = (
                    records.records_write_bulk(
                        actor=request.user,
                        object_type=object_type,
                        rows=[pairs[index][1].values for index in new],
                        owners=[pairs[index][1].owner for index in new],
                    )
                    if new
                    else []
                )
            except ValidationError as exc:
                raise _bulk_failed(exc, new) from None
            by_input = dict(zip(new, created, strict=True))
            try:
                written = [
                    by_input[index] if record is None else BatchUpdate.update(request, record, pairs[index][1])
                    for index, record in enumerate(found)
                ]
            except ValidationError as exc:  # a value the checks let through: nothing of the batch is kept
                raise writes.bad_request(
                    writes.invalid_items(exc, "inputs"), "Property values were not valid."
                ) from None
        bodies = written_reader(object_type, [write for _, write in pairs]).bodies(request.user, written)
        for result, record in zip(bodies, found, strict=True):
            result["new"] = record is None
        return _answer(object_type, bodies, started, [])


class BatchArchive(BatchApi):
    @extend_schema(
        operation_id="batch_archive",
        request=openapi_objects.BatchInputId,
        responses={204: None, 207: openapi_objects.BatchResponseWithErrors, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type, _, items, started = self.begin(request, object_type)
        ids = batch_inputs.ids(items)
        found = batch_inputs.find(request.user, object_type, ids, [None] * len(ids))
        records.records_archive(
            actor=request.user, records=list({record.pk: record for record in found if record is not None}.values())
        )
        left = [text for text, record in zip(ids, found, strict=True) if record is None]
        # Archived already is done already, as HubSpot answers.
        done = batch_inputs.find(request.user, object_type, left, [None] * len(left), archived=True) if left else []
        missing = list(dict.fromkeys(text for text, record in zip(left, done, strict=True) if record is None))
        if missing:
            return _answer(object_type, [], started, missing)
        return Response(status=204)


urlpatterns = [
    path("v3/objects/<str:object_type>/batch/read", BatchRead.as_view(), name="api_batch_read"),
    path("v3/objects/<str:object_type>/batch/create", BatchCreate.as_view(), name="api_batch_create"),
    path("v3/objects/<str:object_type>/batch/update", BatchUpdate.as_view(), name="api_batch_update"),
    path("v3/objects/<str:object_type>/batch/upsert", BatchUpsert.as_view(), name="api_batch_upsert"),
    path("v3/objects/<str:object_type>/batch/archive", BatchArchive.as_view(), name="api_batch_archive"),
]
