"""The admin of object types, through the schema services."""

from __future__ import annotations

from django.contrib import admin

from core.admin import TenantScopedAdmin
from crm import services
from crm.models import ObjectType


@admin.register(ObjectType)
class ObjectTypeAdmin(TenantScopedAdmin):
    list_display = ["label_plural", "name", "is_standard", "tenant"]
    search_fields = ["name", "label_plural"]
    fields = ["name", "label_singular", "label_plural", "position"]

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            data = form.cleaned_data
            services.object_type_update(
                actor=request.user,
                object_type=obj,
                label_singular=data["label_singular"],
                label_plural=data["label_plural"],
                position=data["position"],
            )
            return
        created = services.object_type_create(
            actor=request.user, name=obj.name, label_singular=obj.label_singular, label_plural=obj.label_plural
        )
        obj.pk, obj.tenant = created.pk, created.tenant
