"""Users of the tenant: the list, adding one, their page (teams, record scopes, access), invitations, deactivation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.decorators import super_admin_required
from accounts.views.settings.base import user_or_404
from accounts.views.settings.forms import UserCreateForm
from accounts.views.settings.record_scopes import record_scopes_form_handle
from core.forms import add_errors, error_text
from sensitive import grants


@super_admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    rows = account_selectors.user_list_with_teams(actor=request.user)
    return render(
        request,
        "settings/user_list.html",
        {"section": "users", "rows": rows, "super_admins": account_services.super_admin_list(actor=request.user)},
    )


@super_admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Added {user.email} and emailed them a link to set their password.")
            return redirect("settings_user_detail", user_id=user.pk)
    return render(request, "settings/user_form.html", {"section": "users", "form": form})


@super_admin_required
@require_POST
def user_invite(request: HttpRequest, user_id) -> HttpResponse:
    """A new sign-up link for a user who has not set a password yet; the earlier one stops working."""
    user = user_or_404(request.user, user_id)
    try:
        invitations.invitation_create(actor=request.user, user=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"Emailed {user.email} a new link to set their password.")
    return redirect("settings_user_detail", user_id=user.pk)


@super_admin_required
def user_detail(request: HttpRequest, user_id) -> HttpResponse:
    """A user's teams and sensitive access, and the record scopes form (the page's one change)."""
    user = user_or_404(request.user, user_id)
    form, saved = record_scopes_form_handle(request, user)
    if saved:
        messages.success(request, f"Saved which records {user.get_full_name()} sees.")
        return redirect("settings_user_detail", user_id=user.pk)
    teams = account_selectors.teams_of(actor=request.user, user=user)
    return render(
        request,
        "settings/user_detail.html",
        {
            "section": "users",
            "subject": user,
            "teams": teams,
            "scope_form": form,
            "access": grants.user_access_list(actor=request.user, user=user),
        },
    )


@super_admin_required
def user_active(request: HttpRequest, user_id) -> HttpResponse:
    """Deactivate (signed out everywhere, can't sign in) or reactivate a user, after a confirmation page."""
    user = user_or_404(request.user, user_id)
    error = ""
    if request.method == "POST":
        service = account_services.user_deactivate if user.is_active else account_services.user_reactivate
        try:
            service(actor=request.user, user=user)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            messages.success(request, f"{user.email} is {'active again' if user.is_active else 'deactivated'}.")
            if user.pk == request.user.pk:
                return redirect("login")  # their own sessions just ended
            return redirect("settings_user_detail", user_id=user.pk)
    return render(request, "settings/user_active.html", {"section": "users", "subject": user, "error": error})
