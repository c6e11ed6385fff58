"""An app's webhooks in the settings area: target URL and limits, the signing secret (shown once,
rotated after a confirmation), subscriptions as checkboxes, and the deliveries log.

Super admins only; a change asks for a fresh confirmation when posted (super_admin_required), the
secret's page before it is shown (require_sudo_mode). A secret is never stored in clear, cached or
shown again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from accounts.decorators import super_admin_required
from accounts.models import PrivateApp
from accounts.sudo import require_sudo_mode
from accounts.views.settings.apps import app_or_404
from core.forms import add_errors, error_text
from webhooks import selectors, services
from webhooks.forms import SubscriptionsForm, WebhookSettingsForm


@sensitive_variables("secret")
def _secret_page(request: HttpRequest, app: PrivateApp, secret: str, *, rotated: bool) -> HttpResponse:
    response = render(
        request, "webhooks/secret.html", {"section": "apps", "app": app, "secret": secret, "rotated": rotated}
    )
    response["Cache-Control"] = "no-store"
    return response


def _subscriptions_form(request: HttpRequest, app: PrivateApp, choices) -> SubscriptionsForm:
    flat = [(c.value, c.label) for of_type in choices.values() for c in of_type]
    posted = request.method == "POST" and request.POST.get("action") == "subscriptions"
    return SubscriptionsForm(
        request.POST if posted else None,
        initial={"subscriptions": selectors.subscription_values(app=app)},
        choices=flat,
    )


@super_admin_required
@never_cache
@sensitive_variables("secret")
def app_webhooks(request: HttpRequest, app_id) -> HttpResponse:
    app = app_or_404(request.user, app_id)
    found = services.webhook_settings_of(app)
    action = request.POST.get("action") if request.method == "POST" else None
    initial = (
        {
            "target_url": found.target_url,
            "max_concurrent_requests": found.max_concurrent_requests,
            "batch_size": found.batch_size,
            "paused": found.paused,
        }
        if found
        else {}
    )
    settings_form = WebhookSettingsForm(request.POST if action == "settings" else None, initial=initial)
    choices = selectors.subscription_choices(app=app)
    subscriptions_form = _subscriptions_form(request, app, choices)
    if action == "settings" and settings_form.is_valid():
        try:
            found, secret = services.webhook_settings_save(actor=request.user, app=app, **settings_form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(settings_form, exc)
        else:
            if secret is not None:
                return _secret_page(request, app, secret, rotated=False)
            messages.success(request, "Saved the webhook settings.")
            return redirect("webhooks_app", app_id=app.pk)
    if action == "subscriptions" and subscriptions_form.is_valid():
        wanted = selectors.wanted_of(app=app, values=subscriptions_form.cleaned_data["subscriptions"])
        try:
            services.subscriptions_set(actor=request.user, app=app, wanted=wanted)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(subscriptions_form, ValidationError(error_text(exc)))
        else:
            messages.success(request, f"Saved: {len(wanted)} subscriptions active.")
            return redirect("webhooks_app", app_id=app.pk)
    return render(
        request,
        "webhooks/settings.html",
        {
            "section": "apps",
            "app": app,
            "found": found,
            "settings_form": settings_form,
            "subscriptions_form": subscriptions_form,
            "choices": choices,
            "active": set(subscriptions_form["subscriptions"].value() or []),
            "deliveries": selectors.deliveries_recent(app=app),
        },
    )


@super_admin_required
@require_sudo_mode
@never_cache
@sensitive_variables("secret")
def app_webhooks_secret(request: HttpRequest, app_id) -> HttpResponse:
    """A new signing secret after a confirmation page; requests are signed with it from then on."""
    app = app_or_404(request.user, app_id)
    error = ""
    if request.method == "POST":
        try:
            secret = services.webhook_secret_rotate(actor=request.user, app=app)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            return _secret_page(request, app, secret, rotated=True)
    found = services.webhook_settings_of(app)
    return render(
        request, "webhooks/secret_rotate.html", {"section": "apps", "app": app, "found": found, "error": error}
    )
