"""The session keepalive, the super admin's security health check, and the old address of the security settings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import health, security
from accounts.decorators import super_admin_required


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


@super_admin_required
def security_settings(request):
    """/security/settings/ is kept for old links and bookmarks: the one page is the settings area's.

    A 307, so that a form posted here is posted there (and saved once, by the one view and service).
    """
    return HttpResponseRedirect(reverse("settings_security"), preserve_request=True)
