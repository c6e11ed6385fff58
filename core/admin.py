"""The shared base of every admin over tenant data: scoping, permissions and tenant-limited choices."""

from __future__ import annotations

from django.contrib import admin


class TenantScopedAdmin(admin.ModelAdmin):
    """Super admins see and change their own tenant's rows; platform operators see every tenant's, read-only."""

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
        return self._is_own(request, obj)

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
