from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models.base import ModelBase
from django.shortcuts import redirect
from django.urls import reverse

from accounts.sudo import require_sudo_mode

# Only our own apps' admins: each calls our services, with their checks and events, and is scoped to the
# tenant. A third-party app's admin edits its rows directly: django-otp's shows and sets a user's TOTP key,
# auth's Group admin changes team membership behind the teams, auditlog's, axes' and guardian's edit or
# delete what only services may. An app installed later registers nothing here either.
NO_ACCESS = "The admin is for your organisation's super admins."
OWN_APPS = frozenset({"accounts", "crm", "sensitive", "audit", "workflows"})


class CrmAdminSite(admin.AdminSite):
    """The console of tenant super admins and platform operators, who have passed their second factor."""

    site_header = "CRM administration"
    site_title = "CRM admin"

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        own = [model for model in models if model._meta.app_label in OWN_APPS]
        if own:
            super().register(own, admin_class, **options)

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_super_admin or user.is_platform_operator) and user.is_verified()

    def admin_view(self, view, cacheable=False):
        if view == self.logout:
            return super().admin_view(view, cacheable)
        # Every change made in the admin asks for the password or a code again when the last check is old,
        # like the settings area.
        inner = super().admin_view(require_sudo_mode(only_post=True)(view), cacheable)

        @wraps(inner)
        def refuse_the_signed_in(request, *args, **kwargs):
            # Django sends anyone without access to sign in; for someone signed in, that comes straight back.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(NO_ACCESS)
            return inner(request, *args, **kwargs)

        return refuse_the_signed_in

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied(NO_ACCESS)
        # One sign-in for the whole product: password, then the second factor (OTPAdminSite's rule).
        return redirect(f"{reverse('login')}?{urlencode({'next': request.GET.get('next', reverse('admin:index'))})}")
