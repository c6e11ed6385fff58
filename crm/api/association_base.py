"""What every v4 associations view shares: the two object types and the scopes a call needs, the
records by numeric id, paging parameters and the HubSpot bodies of linked records.

Scopes: HubSpot's reference lists any object scope for these endpoints; we ask for what the call
touches (ARCHITECTURE.md rule 8): reading needs the read scope of both object types, writing the
write scope of the "from" type and the read scope of the "to" type. Links carry no property values,
so no sensitive scope is needed.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes

from accounts import scopes as api_scopes
from crm.api import association_types as types
from crm.api import errors, resolve
from crm.api.base import ApiView
from crm.models import ObjectType, Record
from crm.records import lookup

PAGE_LIMIT = 500  # HubSpot's default and largest page of associations
BATCH_LIMIT = 1_000  # HubSpot's limit of inputs for the associations batch read

FROM_TYPE = OpenApiParameter("from_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="contacts, 0-1, ...")
TO_TYPE = OpenApiParameter("to_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="companies, 0-2, ...")
FROM_ID = OpenApiParameter("from_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The record's numeric id.")
TO_ID = OpenApiParameter("to_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The other record's id.")


def bad(message: str, where: str, code: str = "INVALID_INPUT") -> errors.ApiError:
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


def page_params(request) -> tuple[int | None, int]:
    after, limit = request.query_params.get("after"), request.query_params.get("limit")
    return after_of(after, "after"), limit_of(limit)


def number_of(text: str) -> int | None:
    """A numeric id or cursor (ASCII digits, at most 18 of them); None for anything else."""
    return resolve.whole_number(text.strip())


def after_of(text, where: str) -> int | None:
    if text in (None, ""):
        return None
    if number_of(str(text)) is None:
        raise bad("The paging cursor `after` is not valid: use paging.next.after of the previous page.", where)
    return number_of(str(text))


def limit_of(text) -> int:
    if text in (None, ""):
        return PAGE_LIMIT
    if number_of(str(text)) is None or not 1 <= int(text) <= PAGE_LIMIT:
        raise bad(f"limit must be a whole number from 1 to {PAGE_LIMIT}.", "limit")
    return int(text)


def linked_body(from_type: ObjectType, to_type: ObjectType, linked) -> list[dict]:
    return [
        {"toObjectId": item.number, "associationTypes": types.types_with_labels(from_type, to_type, item.labels)}
        for item in linked
    ]


def paging(request, after: int, *, link: bool = True) -> dict:
    nxt = {"after": str(after)}
    if link:
        query = request.query_params.copy()
        query["after"] = str(after)
        nxt["link"] = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"next": nxt}
