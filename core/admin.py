"""The shared base of every admin over tenant data: scoping, permissions, tenant-limited choices, and
services' refusals shown as form errors and messages."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from core.forms import add_errors


class TenantScopedAdmin(admin.ModelAdmin):
    """Super admins see and change their own tenant's rows; platform operators see every tenant's, read-only.

    Saves, deletes and actions call services (never `obj.save()` or `queryset.delete()`). A service's
    ValidationError raised from `save_model`, `save_related`, `delete_model` or "delete selected" rolls the
    whole change back and shows the form again with the error (for a delete, a message): nothing is half
    saved, and no refusal is a 500. (Form validation never raises out of the view, so any ValidationError
    that does is a service's.)
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_platform_operator:
            return queryset
        return queryset.filter(tenant_id=request.user.tenant_id)

    def has_module_permission(self, request) -> bool:
        return request.user.is_super_admin or request.user.is_platform_operator

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_own(request, obj) or request.user.is_platform_operator

    def has_add_permission(self, request) -> bool:
        return request.user.is_super_admin

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_own(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only an admin that deletes through a service (its own `delete_model`) offers deleting at all.
        deletes_through_service = type(self).delete_model is not admin.ModelAdmin.delete_model
        return deletes_through_service and self._is_own(request, obj)

    def _is_own(self, request, obj) -> bool:
        user = request.user
        return user.is_super_admin and (obj is None or obj.tenant_id == user.tenant_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._limit_to_tenant(field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._limit_to_tenant(field, request)

    def _limit_to_tenant(self, field, request):
        if field is None or request.user.is_platform_operator:
            return field
        model = field.queryset.model
        if any(f.name == "tenant" for f in model._meta.fields):
            field.queryset = field.queryset.filter(tenant_id=request.user.tenant_id)
        return field

    # Services' refusals

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # Django ran the save in a transaction, now rolled back; validate again and show the errors.
            request.service_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "service_error", None)
        if error is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                add_errors(self, error)
                return cleaned

        return RefusedForm

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_queryset(self, request, queryset) -> None:
        """The "delete selected" action: each row through `delete_model`, all or none."""
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
