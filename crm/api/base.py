"""The base of every API view: token authentication, scopes, rate limits and their headers.

Views are thin: they parse the request (crm/api/inputs.py), check the scopes the call needs, call
the record layer or a schema service, and shape the answer (crm/api/shapes.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.views import APIView

from accounts import scopes as api_scopes
from crm.api import errors, throttles
from crm.models import ObjectType


class ApiView(APIView):
    def check_throttles(self, request):
        for throttle in self.get_throttles():
            if not throttle.allow_request(request, self):
                raise throttles.throttled(throttle, request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in getattr(request, "rate_limit_headers", {}).items():
            response[name] = value
        response["Cache-Control"] = "no-store"
        return response

    # --- scopes ---

    @staticmethod
    def granted(request) -> list[str]:
        return request.auth.scopes if request.auth is not None else []

    def require(self, request, any_of: Iterable[str]) -> None:
        """403 MISSING_SCOPES unless the token holds one of `any_of`."""
        any_of = list(any_of)
        if not api_scopes.may(self.granted(request), any_of):
            raise errors.missing_scopes(any_of)

    def require_objects(self, request, object_type: ObjectType, access: str) -> None:
        """The plain read or write scope of the object type (crm.objects.contacts.read, tickets...)."""
        self.require(
            request,
            api_scopes.object_scopes_needed(object_type.name, is_standard=object_type.is_standard, access=access),
        )

    def require_schema(self, request, object_type: ObjectType | None, access: str) -> None:
        name, standard = (object_type.name, object_type.is_standard) if object_type else ("custom", False)
        self.require(request, [api_scopes.schema_scope(name, is_standard=standard, access=access)])
