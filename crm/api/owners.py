"""/crm/v3/owners: the people who can own records, as HubSpot's owners API (scope crm.objects.owners.read).

An owner is a person of the tenant (never a private app's own user); `id` is their owner number
(User.number, the value of hubspot_owner_id), and `userId` is the same number: there is no second
numbering of users. Deactivated people are the archived owners. A person's teams are their teams,
by name, the first one `primary` (teams have no primary flag here). There is no change time of a
user: `updatedAt` is when they joined, as `createdAt`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework.response import Response

from accounts.models import User
from crm.api import errors, inputs, openapi, resolve
from crm.api import property_serializers as bodies
from crm.api.base import ApiView
from crm.api.shapes import timestamp
from crm.selectors import owner_list, owner_teams

SCOPE = "crm.objects.owners.read"
DEFAULT_LIMIT, MAX_LIMIT = 100, 500
ARCHIVED = OpenApiParameter("archived", OpenApiTypes.BOOL, description="Only archived (deactivated) owners.")


def owner_body(owner: User) -> dict[str, Any]:
    teams = owner_teams(owner)
    return {
        "id": str(owner.number),
        "email": owner.email,
        "type": "PERSON",
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.number,
        "userIdIncludingInactive": owner.number,
        "createdAt": timestamp(owner.date_joined),
        "updatedAt": timestamp(owner.date_joined),
        "archived": not owner.is_active,
        "teams": [{"id": str(team.pk), "name": team.name, "primary": index == 0} for index, team in enumerate(teams)],
    }


def _bad(name: str, message: str) -> errors.ApiError:
    return errors.ApiError(message, errors=[{"message": message, "in": name, "code": "INVALID_INPUT"}])


def _number(text: str, name: str) -> int:
    number = resolve.whole_number((text or "").strip())
    if number is None:
        raise _bad(name, f"{name} must be a number.")
    return number


class OwnerList(ApiView):
    @extend_schema(
        operation_id="owners_get_page",
        parameters=[
            OpenApiParameter("email", OpenApiTypes.STR, description="Only the owner with this email."),
            OpenApiParameter("after", OpenApiTypes.STR, description="The cursor of the next page."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most {MAX_LIMIT}; {DEFAULT_LIMIT} by default."
            ),
            ARCHIVED,
        ],
        responses={200: bodies.CollectionResponsePublicOwnerForwardPaging, **openapi.ERRORS},
    )
    def get(self, request):
        self.require(request, [SCOPE])
        limit = _number(request.query_params.get("limit", str(DEFAULT_LIMIT)), "limit")
        if not 1 <= limit <= MAX_LIMIT:
            raise _bad("limit", f"limit must be between 1 and {MAX_LIMIT}.")
        owners = owner_list(
            actor=request.user, archived=inputs.flag(request, "archived"), email=request.query_params.get("email", "")
        )
        if "after" in request.query_params:
            owners = owners.filter(number__gt=_number(request.query_params["after"], "after"))
        page = list(owners[: limit + 1])
        body: dict[str, Any] = {"results": [owner_body(owner) for owner in page[:limit]]}
        if len(page) > limit:
            after = str(page[limit - 1].number)
            query = urlencode({**request.query_params.dict(), "after": after})
            body["paging"] = {"next": {"after": after, "link": request.build_absolute_uri(f"{request.path}?{query}")}}
        return Response(body)


class OwnerDetail(ApiView):
    @extend_schema(
        operation_id="owners_get_by_id",
        parameters=[
            OpenApiParameter("owner_id", OpenApiTypes.STR, OpenApiParameter.PATH),
            OpenApiParameter("idProperty", OpenApiTypes.STR, enum=["id", "userId"]),
            ARCHIVED,
        ],
        responses={200: bodies.PublicOwner, **openapi.ERRORS},
    )
    def get(self, request, owner_id: str):
        self.require(request, [SCOPE])
        if request.query_params.get("idProperty", "id") not in ("id", "userId"):
            raise _bad("idProperty", "idProperty must be id or userId.")
        text = (owner_id or "").strip()
        number = resolve.whole_number(text)
        if number is None:
            raise errors.not_found("Owner not found.", id=[text[:40]])
        owner = owner_list(actor=request.user, archived=inputs.flag(request, "archived")).filter(number=number).first()
        if owner is None:
            raise errors.not_found("Owner not found.", id=[text])
        return Response(owner_body(owner))


@extend_schema_view(get=extend_schema(exclude=True))
class OwnerListSlash(OwnerList):
    """HubSpot's client asks for /crm/v3/owners/ (with the slash): the same list, once in the schema."""


urlpatterns = [
    path("v3/owners", OwnerList.as_view(), name="api_owners"),
    path("v3/owners/", OwnerListSlash.as_view()),
    path("v3/owners/<str:owner_id>", OwnerDetail.as_view(), name="api_owner"),
]
