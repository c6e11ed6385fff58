"""The tenant's one security settings page: MFA, session limits, sudo window and audit retention.

/security/settings/ (accounts' old page) redirects here; see accounts.views.security.security_settings.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import security as account_security
from accounts.decorators import super_admin_required
from accounts.models import Tenant
from accounts.views.settings.forms import SecuritySettingsForm
from core.forms import add_errors


@super_admin_required
def security(request: HttpRequest) -> HttpResponse:
    # The form checks its input on its instance: a copy, so that a refused value never reaches request.user.
    form = SecuritySettingsForm(request.POST or None, instance=Tenant.objects.get(pk=request.user.tenant_id))
    if request.method == "POST" and form.is_valid():
        try:
            account_security.tenant_security_update(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Saved the security settings.")
            return redirect("settings_security")
    context = {"section": "security", "tenant": request.user.tenant, "form": form}
    return render(request, "settings/security.html", context)
