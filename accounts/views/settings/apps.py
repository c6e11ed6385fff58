"""Private apps of the tenant: the list, creating one, its page (scopes and limits), rotating and revoking.

A token is shown once, in the response to the create or the rotate that made it: never stored in
clear (not even in the session), never cached (no-store), never shown again. Creating, rotating and
revoking ask for a fresh confirmation before the form is shown; every change (scopes too) asks for
one when it is posted (accounts.decorators.super_admin_required). The services write the security
events.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from accounts import private_apps
from accounts.decorators import super_admin_required
from accounts.models import PrivateApp, User
from accounts.sudo import require_sudo_mode
from accounts.views.settings.app_forms import PrivateAppForm, scope_group_of
from core.forms import add_errors, error_text


def app_or_404(actor: User, app_id) -> PrivateApp:
    try:
        return private_apps.private_app_get(actor=actor, app_id=app_id)
    except PrivateApp.DoesNotExist:
        raise Http404("No such app.") from None


def _form(request: HttpRequest, app: PrivateApp | None = None) -> PrivateAppForm:
    initial = {}
    if app is not None:
        initial = {
            "name": app.name,
            "description": app.description,
            "scopes": app.scopes,
            "sensitive_allowlist": app.sensitive_allowlist,
            "allowed_ip_ranges": "\n".join(app.allowed_ip_ranges),
            # Stored as the moment it ends, the start of the next day: the day shown is the one before.
            "expires_on": (timezone.localtime(app.expires_at) - dt.timedelta(microseconds=1)).date()
            if app.expires_at
            else None,
        }
    return PrivateAppForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        allowlist_choices=private_apps.private_app_allowlist_choices(actor=request.user),
    )


def _settings_of(request: HttpRequest, form: PrivateAppForm, app: PrivateApp | None = None) -> dict:
    data = form.cleaned_data
    if app is not None and "expires_on" not in form.changed_data:
        expires_at = app.expires_at  # as it was, even if set in another time zone (the command line's UTC)
    else:
        expires_at = private_apps.expiry_of(data["expires_on"], request.user.time_zone) if data["expires_on"] else None
    return {
        "name": data["name"],
        "description": data["description"],
        "scopes": data["scopes"],
        "sensitive_allowlist": data["sensitive_allowlist"],
        "allowed_ip_ranges": data["allowed_ip_ranges"],
        "expires_at": expires_at,
    }


@sensitive_variables("token")
def _token_page(request: HttpRequest, app: PrivateApp, token: str, *, rotated: bool) -> HttpResponse:
    response = render(
        request, "settings/app_token.html", {"section": "apps", "app": app, "token": token, "rotated": rotated}
    )
    response["Cache-Control"] = "no-store"
    return response


@super_admin_required
def app_list(request: HttpRequest) -> HttpResponse:
    apps = private_apps.private_app_list(actor=request.user)
    return render(request, "settings/app_list.html", {"section": "apps", "apps": apps, "now": timezone.now()})


@super_admin_required
@require_sudo_mode
@never_cache
@sensitive_variables("token")
def app_create(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            app, token = private_apps.private_app_create(
                actor=request.user, tenant=request.user.tenant, **_settings_of(request, form)
            )
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, _on_form(exc))
        else:
            return _token_page(request, app, token, rotated=False)
    return render(request, "settings/app_form.html", {"section": "apps", "form": form})


@super_admin_required
@never_cache
def app_detail(request: HttpRequest, app_id) -> HttpResponse:
    """The app's scopes and limits, changed on the same page (a post asks for a fresh confirmation)."""
    app = app_or_404(request.user, app_id)
    form = _form(request, app)
    if request.method == "POST" and not app.is_revoked and form.is_valid():
        try:
            private_apps.private_app_update(actor=request.user, app=app, **_settings_of(request, form, app))
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, _on_form(exc))
        else:
            messages.success(request, f"Saved {app.name}. The change applies from its next request.")
            return redirect("settings_app_detail", app_id=app.pk)
    scope_groups: dict[str, list[str]] = {}
    for scope in app.scopes:
        scope_groups.setdefault(scope_group_of(scope), []).append(scope)
    return render(
        request,
        "settings/app_detail.html",
        {"section": "apps", "app": app, "form": form, "granted": scope_groups, "now": timezone.now()},
    )


@super_admin_required
@require_sudo_mode
@never_cache
@sensitive_variables("token")
def app_rotate(request: HttpRequest, app_id) -> HttpResponse:
    """A new token after a confirmation page; the old one stops working at once."""
    app = app_or_404(request.user, app_id)
    error = ""
    if request.method == "POST":
        try:
            token = private_apps.private_app_rotate(actor=request.user, app=app)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            return _token_page(request, app, token, rotated=True)
    return render(request, "settings/app_rotate.html", {"section": "apps", "app": app, "error": error})


@super_admin_required
@require_sudo_mode
def app_revoke(request: HttpRequest, app_id) -> HttpResponse:
    """Revoke for good after a confirmation page; the app and its history stay."""
    app = app_or_404(request.user, app_id)
    error = ""
    if request.method == "POST":
        try:
            private_apps.private_app_revoke(actor=request.user, app=app)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            messages.success(request, f"Revoked {app.name}: its token no longer works.")
            return redirect("settings_app_detail", app_id=app.pk)
    return render(request, "settings/app_revoke.html", {"section": "apps", "app": app, "error": error})


def _on_form(exc: ValidationError | PermissionDenied) -> ValidationError | PermissionDenied:
    """The service names `expires_at`; the form's field is `expires_on`."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and "expires_at" in exc.error_dict:
        errors = dict(exc.error_dict)
        errors["expires_on"] = errors.pop("expires_at")
        return ValidationError(errors)
    return exc
