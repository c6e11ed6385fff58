"""/crm/v3/objects/{objectType} and /crm/v3/objects/{objectType}/{objectId}: HubSpot's basic object API.

Reads and writes go through the record layer (crm/records/api.py) with the app as the actor: its
scopes stand in for grants there (sensitive/permissions.py), so a value the token may not read
comes back as a restricted reading and is named in `restrictedProperties`.

Where we differ from HubSpot, on purpose:
- a write to a sensitive property the token may not write (scope or allowlist) is a 403 naming each
  property and the scope, and nothing of the request is saved; HubSpot does not guard its API so;
- `after` cursors are signed: a tampered one is a 400, not another page;
- DELETE archives (HubSpot's soft delete) and `archived=true` lists the archived records; the staff
  UI's delete archives too, and records stay in the database until record_delete removes them;
- a write answers with the properties it wrote, read back through the record layer without a reveal:
  a highly sensitive value it wrote is named in `restrictedProperties` (a GET reads it, as a reveal).

`hubspot_owner_id` is the owner's owner number (User.number, as /crm/v3/owners lists them); an app's
records have no owner unless it names one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts import scopes as api_scopes
from crm.api import errors, inputs, openapi, openapi_objects, resolve, shapes, writes
from crm.api.base import ApiView
from crm.models import ObjectType, Record
from crm.records import api as records
from crm.records import lookup

PURPOSE = "api"


@dataclass
class Reader:
    """What a read returns: which properties (and which to reveal), the owner, the linked types."""

    names: list[str]
    reveal: list[str]
    owner: bool
    linked_types: list[ObjectType]
    definitions: list | None = None  # those of `names`, when loaded already

    @classmethod
    def of(cls, view: ApiView, request, object_type: ObjectType, asked: list[str], linked: list[str] = ()) -> Reader:
        definitions = inputs.definitions_by_name(object_type)
        names = inputs.properties_to_read(object_type, asked, definitions)
        linked_types = []
        for name in linked:
            try:
                linked_type = resolve.object_type_of(request.user, name)
            except errors.ApiError:
                continue  # as HubSpot: "If any of the specified associations do not exist, they will be ignored."
            view.require_objects(request, linked_type, api_scopes.READ)
            linked_types.append(linked_type)
        return cls(
            names,
            inputs.highly_sensitive_of(names, definitions),
            shapes.OWNER in asked,
            linked_types,
            [definitions[name] for name in names],
        )

    def bodies(self, actor, found: list[Record]) -> list[dict]:
        """The objects' bodies, in the given order, with ONE record_views call (one audit event)."""
        views = records.record_views(
            actor=actor,
            records=found,
            properties=self.names,
            purpose=PURPOSE,
            reveal=self.reveal,
            definitions=self.definitions,
        )
        links = (
            lookup.associations_of(actor=actor, records=[v.record for v in views], object_types=self.linked_types)
            if self.linked_types
            else {}
        )
        return [
            shapes.object_body(
                view,
                owner=self.owner,
                associations=shapes.associations_body(view.record, links.get(view.record.pk, {}), self.linked_types)
                if self.linked_types
                else None,
            )
            for view in views
        ]


def written_reader(object_type: ObjectType, write_list: list[writes.Write]) -> Reader:
    """A write answers with the properties it wrote (highly sensitive ones stay masked: no reveal)."""
    names = sorted({name for write in write_list for name in write.values})
    return Reader(names, [], any(write.sets_owner for write in write_list), [])


def write_failed(exc: ValidationError, where: str = "properties") -> errors.ApiError:
    return writes.bad_request(writes.invalid_items(exc, where), "Property values were not valid.")


class ObjectCollection(ApiView):
    @extend_schema(
        operation_id="objects_list",
        parameters=[
            openapi.PROPERTIES,
            openapi_objects.LIMIT,
            openapi_objects.AFTER,
            openapi_objects.ASSOCIATIONS,
            openapi_objects.ARCHIVED,
        ],
        responses={200: openapi_objects.CollectionResponse, **openapi.ERRORS},
    )
    def get(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.READ)
        archived = inputs.flag(request, "archived")
        limit = inputs.limit_of(request)
        after = inputs.after_of(request, object_type, archived)
        reader = Reader.of(
            self, request, object_type, inputs.listed(request, "properties"), inputs.listed(request, "associations")
        )
        page, more = lookup.record_page_by_number(
            actor=request.user, object_type=object_type, after=after, size=limit, archived=archived
        )
        body = {"results": reader.bodies(request.user, page)}
        if more:
            token = inputs.after_token(object_type, page[-1].number, archived)
            query = request.query_params.copy()
            query["after"] = token
            body["paging"] = shapes.paging(token, request.build_absolute_uri(f"{request.path}?{query.urlencode()}"))
        return Response(body)

    @extend_schema(
        operation_id="objects_create",
        request=openapi_objects.SimplePublicObjectInputForCreate,
        responses={201: openapi.SimplePublicObject, **openapi.ERRORS},
    )
    def post(self, request, object_type: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.WRITE)
        body = writes.body_of(request)
        definitions = inputs.definitions_by_name(object_type)
        write, problems = writes.write_of(request.user, definitions, body.get("properties", {}))
        writes.refuse_unwritable(request, object_type, [("properties", write)])
        (targets,), link_problems = writes.links_of(
            request.user,
            object_type,
            [("associations", body.get("associations"))],
            lambda to_type: self.require_objects(request, to_type, api_scopes.READ),
        )
        if problems or link_problems:
            raise writes.bad_request(problems + link_problems)
        try:
            with transaction.atomic():
                record = records.record_write(
                    actor=request.user, object_type=object_type, values=write.values, owner=write.owner
                )
                for target in targets:
                    records.record_associate(actor=request.user, from_record=record, to_record=target)
        except ValidationError as exc:
            raise write_failed(exc) from None
        (created,) = written_reader(object_type, [write]).bodies(request.user, [record])
        return Response(created, status=201)


class ObjectDetail(ApiView):
    def record(self, request, object_type: ObjectType, object_id: str, *, archived: bool = False) -> Record:
        id_property = inputs.id_property_of(
            request.query_params.get("idProperty"), inputs.definitions_by_name(object_type)
        )
        return inputs.record_of(request.user, object_type, object_id, id_property, archived=archived)

    @extend_schema(
        operation_id="objects_get_by_id",
        parameters=[
            openapi.PROPERTIES,
            openapi_objects.ASSOCIATIONS,
            openapi_objects.ARCHIVED,
            openapi_objects.ID_PROPERTY,
        ],
        responses={200: openapi.SimplePublicObject, **openapi.ERRORS},
    )
    def get(self, request, object_type: str, object_id: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.READ)
        reader = Reader.of(
            self, request, object_type, inputs.listed(request, "properties"), inputs.listed(request, "associations")
        )
        record = self.record(request, object_type, object_id, archived=inputs.flag(request, "archived"))
        (body,) = reader.bodies(request.user, [record]) or [None]
        if body is None:
            raise errors.not_found(id=[object_id[:100]])
        return Response(body)

    @extend_schema(
        operation_id="objects_update",
        parameters=[openapi_objects.ID_PROPERTY],
        request=openapi_objects.SimplePublicObjectInput,
        responses={200: openapi.SimplePublicObject, **openapi.ERRORS},
    )
    def patch(self, request, object_type: str, object_id: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.WRITE)
        record = self.record(request, object_type, object_id)
        body = writes.body_of(request)
        write, problems = writes.write_of(request.user, inputs.definitions_by_name(object_type), body.get("properties"))
        writes.refuse_unwritable(request, object_type, [("properties", write)])
        if problems:
            raise writes.bad_request(problems)
        try:
            record = records.record_write(
                actor=request.user,
                record=record,
                values=write.values,
                owner=write.owner,
                clear_owner=write.clear_owner,
            )
        except ValidationError as exc:
            raise write_failed(exc) from None
        except Record.DoesNotExist:
            raise errors.not_found(id=[object_id[:100]]) from None
        (changed,) = written_reader(object_type, [write]).bodies(request.user, [record])
        return Response(changed)

    @extend_schema(
        operation_id="objects_archive",
        parameters=[openapi_objects.ID_PROPERTY],
        request=None,
        responses={204: None, **openapi.ERRORS},
    )
    def delete(self, request, object_type: str, object_id: str):
        object_type = resolve.object_type_of(request.user, object_type)
        self.require_objects(request, object_type, api_scopes.WRITE)
        try:
            record = self.record(request, object_type, object_id)
        except errors.ApiError as exc:
            if exc.status_code != 404:
                raise
            self.record(request, object_type, object_id, archived=True)  # archived already: done (HubSpot's 204)
            return Response(status=204)
        try:
            records.record_archive(actor=request.user, record=record)
        except Record.DoesNotExist:
            raise errors.not_found(id=[object_id[:100]]) from None
        return Response(status=204)


urlpatterns = [
    path("v3/objects/<str:object_type>", ObjectCollection.as_view(), name="api_objects"),
    path("v3/objects/<str:object_type>/<str:object_id>", ObjectDetail.as_view(), name="api_object"),
]
