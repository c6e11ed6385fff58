"""The base of every API view: the request's door checks, token authentication, scopes, rate limits
and their headers.

Views are thin: they parse the request (crm/api/inputs.py), check the scopes the call needs, call
the record layer or a schema service, and shape the answer (crm/api/shapes.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from rest_framework import exceptions, negotiation
from rest_framework.views import APIView

from accounts import scopes as api_scopes
from core.middleware import CONTROL_CHARACTERS
from crm.api import errors, throttles
from crm.models import ObjectType


def too_large() -> errors.ApiError:
    return errors.ApiError(
        f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
        status_code=413,
        category="PAYLOAD_TOO_LARGE",
    )


class AlwaysJson(negotiation.DefaultContentNegotiation):
    """JSON whatever the Accept header says, as HubSpot answers (no 406 for a browser's text/html)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _body_within_limit(request) -> None:
    """413 before anything reads the body; a chunked one (no Content-Length, as gunicorn hands it
    on) is read up to the limit here and handed to the parser from memory.

    Django reads exactly Content-Length bytes, so without one it would see an empty body."""
    limit = settings.API_MAX_BODY_BYTES
    meta = request.META
    length = (meta.get("CONTENT_LENGTH") or "").strip()
    if length:
        if not (length.isascii() and length.isdigit()):
            raise errors.ApiError("The Content-Length header is not a number.")
        if int(length) > limit:
            raise too_large()
        return
    if "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    stream, body = meta["wsgi.input"], b""
    while len(body) <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - len(body)))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        raise too_large()
    meta["CONTENT_LENGTH"] = str(len(body))
    request._stream = LimitedStream(io.BytesIO(body), len(body))


def _door_checks(request) -> None:
    """What every API call is checked for before it is authenticated or parsed."""
    django_request = request._request
    _body_within_limit(django_request)
    if CONTROL_CHARACTERS.search(django_request.path_info) or any(
        CONTROL_CHARACTERS.search(text) for key, values in request.query_params.lists() for text in (key, *values)
    ):
        raise errors.ApiError(
            "The request's path or query holds a control character.",
            errors=[{"message": "A control character is not allowed.", "in": "query", "code": "INVALID_INPUT"}],
        )
    has_body = (django_request.META.get("CONTENT_LENGTH") or "0") != "0"
    if has_body and not request.content_type:
        raise exceptions.UnsupportedMediaType("", detail="A request body needs Content-Type: application/json.")


class ApiView(APIView):
    content_negotiation_class = AlwaysJson
    json_body: type = dict  # what a JSON body must be: HubSpot's bodies are objects

    def initial(self, request, *args, **kwargs):
        _door_checks(request)
        super().initial(request, *args, **kwargs)

    def check_throttles(self, request):
        """Each limit counts the request until one refuses it; the others still give their headers."""
        refused = None
        for throttle in self.get_throttles():
            if refused is not None:
                throttle.peek(request)
            elif not throttle.allow_request(request, self):
                refused = throttle
        if refused is not None:
            raise throttles.throttled(refused, request)

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
