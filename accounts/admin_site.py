from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse


class CrmAdminSite(admin.AdminSite):
    """The console of tenant super admins and platform operators, who have passed their second factor."""

    site_header = "CRM administration"
    site_title = "CRM admin"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_super_admin or user.is_platform_operator) and user.is_verified()

    def login(self, request, extra_context=None):
        # One sign-in for the whole product: password, then the second factor (OTPAdminSite's rule).
        return redirect(f"{reverse('login')}?{urlencode({'next': request.GET.get('next', reverse('admin:index'))})}")
