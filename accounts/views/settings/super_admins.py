"""Making a user a super admin, or no longer one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services as account_services
from accounts.decorators import super_admin_required
from accounts.models import User
from accounts.views.settings.base import user_or_404
from core.forms import error_text


@super_admin_required
def user_super_admin(request: HttpRequest, user_id) -> HttpResponse:
    """Make or remove a super admin, after a confirmation page that says what it means."""
    user = user_or_404(request.user, user_id)
    error = ""
    if request.method == "POST":
        try:
            if user.role == User.Role.SUPER_ADMIN:
                account_services.super_admin_remove(actor=request.user, user=user)
                messages.success(request, f"{user.email} is no longer a super admin.")
            else:
                account_services.super_admin_add(actor=request.user, user=user)
                messages.success(request, f"{user.email} is now a super admin.")
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            if user.pk == request.user.pk:
                return redirect("home")  # no longer theirs to see
            return redirect("settings_user_detail", user_id=user.pk)
    return render(request, "settings/user_super_admin.html", {"section": "users", "subject": user, "error": error})
