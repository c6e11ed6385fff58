"""Who may open a view: decorators shared by every surface of the staff UI (accounts and crm alike)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.sudo import require_sudo_mode


def super_admin_required(view: Callable) -> Callable:
    """Super admins only (anyone else: 403); every change asks for the password or a code again when the
    last check is older than the tenant's sudo window: these pages decide who sees sensitive data."""
    guarded = require_sudo_mode(only_post=True)(view)

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_super_admin:
            raise PermissionDenied("The settings are for your organisation's super admins.")
        return guarded(request, *args, **kwargs)

    return wrapped
