"""The session keepalive, and the super admin's security health check and settings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import health, security
from accounts.models import Tenant
from accounts.sudo import require_sudo_mode


@login_required
@require_POST
def keepalive(request) -> JsonResponse:
    """The "stay signed in" button: this request itself renews the session's activity."""
    idle, _ = security.session_limits(request.user)
    return JsonResponse({"idle_seconds": idle})


@login_required
def security_health(request):
    if not request.user.is_super_admin:
        raise PermissionDenied("Only super admins see the security health check.")
    results = health.run_checks(tenant=request.user.tenant)
    return render(request, "accounts/security_health.html", {"results": results})


class SecuritySettingsForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["require_mfa", "session_idle_minutes", "session_max_hours", "sudo_minutes"]
        labels = {
            "require_mfa": "Require MFA for all users",
            "session_idle_minutes": "Inactivity timeout (minutes)",
            "session_max_hours": "Session lifetime (hours)",
            "sudo_minutes": "Ask again before dangerous actions after (minutes)",
        }


@login_required
@require_sudo_mode(only_post=True)
def security_settings(request):
    if not request.user.is_super_admin:
        raise PermissionDenied("Only super admins change security settings.")
    tenant = request.user.tenant
    form = SecuritySettingsForm(request.POST or None, instance=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            security.tenant_security_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Security settings saved.")
            return redirect("security_settings")
        tenant.refresh_from_db()
    return render(request, "accounts/security_settings.html", {"form": form})
