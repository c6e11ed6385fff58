"""Where the current request or job comes from (surface, IP, actor), for the events it writes.

Our own events read the context variables here; django-auditlog's change entries get the same
actor, IP and surface (in `additional_data`) through its context.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from django.conf import settings

from core.http import client_ip

surface: contextvars.ContextVar[str] = contextvars.ContextVar("audit_surface", default="system")
ip_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


@contextmanager
def acting_as(*, surface_name: str, actor=None, ip: str | None = None):
    """For commands, tasks and imports: who acts and through what, for every event written inside."""
    surface_token, ip_token = surface.set(surface_name), ip_address.set(ip)
    try:
        with set_extra_data({"actor": actor, "remote_addr": ip, "additional_data": {"surface": surface_name}}):
            yield
    finally:
        surface.reset(surface_token)
        ip_address.reset(ip_token)


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, plus the surface: the admin, the API, or the staff UI."""

    @staticmethod
    def surface_of(request) -> str:
        if request.path.startswith("/admin/"):
            return "admin"
        if request.path.startswith(("/api/", *settings.API_PATH_PREFIXES)):
            return "api"
        return "ui"

    @staticmethod
    def _get_remote_addr(request):
        # The same address as the lockout's: X-Forwarded-For only as far as the trusted proxies vouch for it.
        return client_ip(request)

    def get_extra_data(self, request):
        data = super().get_extra_data(request)
        data["additional_data"] = {"surface": self.surface_of(request)}
        return data

    def __call__(self, request):
        surface_token = surface.set(self.surface_of(request))
        ip_token = ip_address.set(self._get_remote_addr(request))
        try:
            return super().__call__(request)
        finally:
            surface.reset(surface_token)
            ip_address.reset(ip_token)
