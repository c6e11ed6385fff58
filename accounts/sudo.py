"""Sudo mode: dangerous actions ask for the password or a code again when the last check is old.

Signing in counts as a check. The time of the last check lives in the (signed, server-side)
session; each check gives the session a new key. Failed confirmations count towards the user's
lockout (not the IP's: accounts.security.signed_in_failure_count).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import security

CONFIRMED_AT = "confirmed_at"


def mark_confirmed(request, *, new_session_key: bool = True) -> None:
    """The user just proved it is them: a new session key too, so a key planted or seen before is worth nothing."""
    if new_session_key:
        request.session.cycle_key()
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


def confirm_first(request):
    """The redirect to the confirmation page, then back here (a POST comes back to the page it was sent from)."""
    # A POST cannot be replayed after the check.
    target = request.get_full_path() if request.method == "GET" else request.headers.get("Referer")
    return redirect(confirm_url(request, target))


def confirm_url(request, next_url: str | None) -> str:
    return f"{reverse('sudo_confirm')}?{urlencode({'next': safe_next(request, next_url)})}"


def require_sudo_mode(view=None, *, only_post: bool = False):
    """Ask for the password or a code first when the last check is too old (`only_post`: for changes only)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            guarded = request.method == "POST" or not only_post
            if guarded and request.user.is_authenticated and not recently_confirmed(request):
                return confirm_first(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
