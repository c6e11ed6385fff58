"""Where the current request or job comes from (surface, IP), for the events it writes."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

surface: contextvars.ContextVar[str] = contextvars.ContextVar("audit_surface", default="system")
ip_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


@contextmanager
def acting_through(surface_name: str, ip: str | None = None):
    surface_token = surface.set(surface_name)
    ip_token = ip_address.set(ip)
    try:
        yield
    finally:
        surface.reset(surface_token)
        ip_address.reset(ip_token)


class AuditContextMiddleware:
    """Marks requests to the admin as the admin surface and the rest as the staff UI."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        name = "admin" if request.path.startswith("/admin/") else "ui"
        with acting_through(name, request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
