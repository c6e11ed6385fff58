"""Request and response hygiene for every page: no control characters in, no caching of tenant data out."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# C0 controls but tab, line feed and carriage return (which text areas send).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _has_control(values: Iterable[str]) -> bool:
    return any(CONTROL_CHARACTERS.search(value) for value in values)


def _refused_part(request: HttpRequest) -> str:
    """Which part of the request holds a control character ("" when none does)."""
    if CONTROL_CHARACTERS.search(request.path_info):
        return "address"
    for part, data in (("query", request.GET), ("form", request.POST)):
        if _has_control(data.keys()) or _has_control(value for _, values in data.lists() for value in values):
            return part
    if _has_control(request.FILES.keys()) or _has_control(f.name or "" for f in request.FILES.values()):
        return "file name"
    return ""


class ControlCharacterMiddleware:
    """Refuses (400) a request with a C0 control character in its address, query, form fields or file names.

    One check at the door, before anything reads the request: PostgreSQL cannot hold NUL in text, so
    a NUL that reaches a query is a 500, and the places that read input are many (our forms and
    views, django-axes' lockout lookup, the admin's search and filters, third-party views). Django's
    form CharField refuses NUL but not the other controls, and ad-hoc reads of request.GET/POST and
    URL arguments get no form at all. A control character has no place in a CRM's text; tab and line
    breaks do (text areas), so they pass. A cookie holding one is dropped instead (it cannot be the
    user's doing, and a 400 on every page would lock the browser out).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, value in list(request.COOKIES.items()):
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                del request.COOKIES[name]
        if request.path_info.startswith(settings.API_PATH_PREFIXES):
            # The REST API checks its own requests, before it reads their (JSON) bodies and in its
            # own error shape (crm/api/base.py); reading request.POST here would parse a form body
            # of any size before the API's 413.
            return self.get_response(request)
        part = _refused_part(request)
        if part:
            # Never the value (it may be a password or a sensitive value), nor the field name.
            logger.warning("Refused a request with a control character in its %s: %s", part, request.method)
            page = loader.render_to_string("400.html", {"reason": "control_character"})
            response = HttpResponseBadRequest(page)
            add_never_cache_headers(response)  # it runs before we know who asks
            return response
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user.

    Whatever a signed-in user is sent may hold tenant data (pages, CSV exports, JSON), and must
    not stay in the browser's or a proxy's cache for the next person at that computer. One rule at
    the edge instead of a decorator on each view, which a new view would forget.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
