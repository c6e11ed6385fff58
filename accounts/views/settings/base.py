"""What every screen of the settings area shares: who may enter, the index, errors and lookups.

Anyone signed in but a super admin of the tenant gets the one refusal page (403, like /audit/ and
/admin/): that the area exists is no secret. Ids of another tenant's users are 404, looked up inside
the actor's tenant only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from accounts.models import User
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


def add_errors(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """A service's errors next to the fields they name; the rest above the form."""
    if isinstance(exc, PermissionDenied) or not hasattr(exc, "error_dict"):
        messages_ = [str(exc)] if isinstance(exc, PermissionDenied) else exc.messages
        form.add_error(None, messages_)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def error_text(exc: ValidationError | PermissionDenied) -> str:
    """A service's refusal as one line, for a page without a form to put it on."""
    return " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)])


def uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such page.") from None


def user_or_404(actor: User, user_id) -> User:
    user = account_selectors.user_get(actor=actor, user_id=uuid_or_404(user_id))
    if user is None:
        raise Http404("No such user.")
    return user


@super_admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/index.html", {"section": "index"})
