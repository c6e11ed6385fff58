"""Sudo mode: dangerous actions ask for the password or a code again when the last check is old.

Signing in counts as a check. The time of the last check lives in the (signed, server-side)
session; failed confirmations count as failed sign-ins for the lockout.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import security

CONFIRMED_AT = "confirmed_at"


def mark_confirmed(request) -> None:
    request.session[CONFIRMED_AT] = security.now().timestamp()


def recently_confirmed(request) -> bool:
    user = request.user
    minutes = user.tenant.sudo_minutes if user.tenant_id else 15
    confirmed = request.session.get(CONFIRMED_AT)
    return confirmed is not None and security.now().timestamp() - confirmed <= minutes * 60


def safe_next(request, candidate: str | None, default: str = "/") -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


def confirm_redirect(request, target: str | None):
    """To the confirmation page, which sends the user back to `target` (when safe) afterwards."""
    return redirect(f"{reverse('sudo_confirm')}?{urlencode({'next': safe_next(request, target)})}")


def require_sudo_mode(view=None, *, only_post: bool = False):
    """Ask for the password or a code first when the last check is too old (`only_post`: for changes only)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            guarded = request.method == "POST" or not only_post
            if guarded and request.user.is_authenticated and not recently_confirmed(request):
                # A POST cannot be replayed after the check: come back to the page it was sent from.
                target = request.get_full_path() if request.method == "GET" else request.headers.get("Referer")
                return confirm_redirect(request, target)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
