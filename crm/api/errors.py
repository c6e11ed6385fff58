"""Errors in HubSpot's shape, for every 4xx of the API (and for the 404s and 405s of its paths).

    {"status": "error", "message": "...", "correlationId": "<uuid>", "category": "VALIDATION_ERROR",
     "errors": [{"message": "...", "in": "properties.salary", "code": "INVALID_NUMBER"}], "context": {}}

Messages name the property and the rule, never the value (ARCHITECTURE.md rule 9): services' and
validators' messages already follow that rule, and nothing here adds what the client sent.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

VALIDATION_ERROR = "VALIDATION_ERROR"
OBJECT_NOT_FOUND = "OBJECT_NOT_FOUND"
MISSING_SCOPES = "MISSING_SCOPES"
INVALID_AUTHENTICATION = "INVALID_AUTHENTICATION"
RATE_LIMITS = "RATE_LIMITS"
CONFLICT = "CONFLICT"


class ApiError(exceptions.APIException):
    """An error the API answers in HubSpot's shape.

    `errors` are {"message", "in", "code"} items, one per field or input; `context` is HubSpot's
    free-form context object (ids not found, scopes required...).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        category: str = VALIDATION_ERROR,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
        sub_category: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.category = category
        self.errors = errors or []
        self.context = context or {}
        self.sub_category = sub_category
        self.headers = headers or {}


def not_found(message: str = "Object not found.  objectId are usually numeric.", **context) -> ApiError:
    return ApiError(message, status_code=404, category=OBJECT_NOT_FOUND, context=context)


def missing_scopes(scopes: list[str], *, prop: str = "", message: str = "") -> ApiError:
    """403 as HubSpot answers a call its token lacks the scopes for; `prop` names a property."""
    item = {
        "message": "One or more of the following scopes are required.",
        "code": "MISSING_SCOPES",
        "context": {"requiredGranularScopes": scopes},
    }
    if prop:
        item["in"] = f"properties.{prop}"
    return ApiError(
        message or "This app hasn't been granted all required scopes to make this call.",
        status_code=403,
        category=MISSING_SCOPES,
        errors=[item],
        context={"requiredGranularScopes": scopes, **({"property": [prop]} if prop else {})},
    )


def validation_errors(exc: DjangoValidationError, *, prefix: str = "properties") -> list[dict[str, Any]]:
    """A Django ValidationError as HubSpot error items: one per message, `in` naming its field."""
    if not hasattr(exc, "error_dict"):
        return [{"message": message, "code": "INVALID_INPUT"} for message in exc.messages]
    items = []
    for field, messages in exc.message_dict.items():
        where = field if field in ("__all__", "") or not prefix else f"{prefix}.{field}"
        for message in messages:
            item = {"message": message, "code": "INVALID_PROPERTY_VALUE" if prefix == "properties" else "INVALID_INPUT"}
            if field not in ("__all__", ""):
                item["in"] = where
            items.append(item)
    return items


def invalid(exc: DjangoValidationError, *, prefix: str = "properties", message: str = "") -> ApiError:
    errors = validation_errors(exc, prefix=prefix)
    text = message or ("Property values were not valid: " if prefix == "properties" else "Invalid input: ") + "; ".join(
        f"{item.get('in', '')}: {item['message']}".lstrip(": ") for item in errors
    )
    return ApiError(text[:2000], errors=errors)


def body(error: ApiError, correlation_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": "error",
        "message": error.message,
        "correlationId": correlation_id or str(uuid.uuid4()),
        "category": error.category,
    }
    if error.sub_category:
        data["subCategory"] = error.sub_category
    if error.errors:
        data["errors"] = error.errors
    if error.context:
        data["context"] = error.context
    return data


def _as_api_error(exc: Exception) -> ApiError | None:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        detail = str(exc.detail)
        if isinstance(exc, exceptions.NotAuthenticated):
            detail = (
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
            )
        return ApiError(detail, status_code=401, category=INVALID_AUTHENTICATION)
    if isinstance(exc, exceptions.Throttled):
        return None  # the throttle builds its own body (crm/api/throttles.py)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ApiError(str(exc.detail), status_code=405, category="METHOD_NOT_ALLOWED")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return ApiError(str(exc.detail), status_code=415, category="UNSUPPORTED_MEDIA_TYPE")
    if isinstance(exc, exceptions.NotAcceptable):
        return ApiError(str(exc.detail), status_code=406, category="NOT_ACCEPTABLE")
    if isinstance(exc, exceptions.ParseError):
        return ApiError(
            "Invalid input JSON: the request body is not valid JSON.",
            errors=[{"message": "The body is not valid JSON.", "in": "body", "code": "INVALID_JSON"}],
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        return not_found("Resource not found.")
    if isinstance(exc, DjangoValidationError):
        return invalid(exc, prefix="")
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return ApiError(str(exc) or "Forbidden.", status_code=403, category=MISSING_SCOPES)
    if isinstance(exc, exceptions.APIException):
        return ApiError(str(exc.detail), status_code=exc.status_code, category=VALIDATION_ERROR)
    return None


def exception_handler(exc: Exception, context) -> Response | None:
    """DRF's exception handler: HubSpot's error body for every error the API answers."""
    if isinstance(exc, exceptions.Throttled) and hasattr(exc, "hubspot_body"):
        return Response(exc.hubspot_body, status=429, headers=getattr(exc, "hubspot_headers", {}))
    error = _as_api_error(exc)
    if error is None:
        return None  # a real bug: Django's 500, logged with the traceback
    response = Response(body(error), status=error.status_code, headers=error.headers)
    if error.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def json_error(error: ApiError) -> JsonResponse:
    """The same body outside DRF (unknown paths of the API, handled by a plain Django view)."""
    return JsonResponse(body(error), status=error.status_code)
