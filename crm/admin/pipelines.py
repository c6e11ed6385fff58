"""The admin of pipelines and their stages, through the schema services."""

from __future__ import annotations

from django.contrib import admin

from core.admin import TenantScopedAdmin
from crm import services
from crm.models import Pipeline, PipelineStage


class PipelineStageInline(admin.TabularInline):
    """A pipeline's stages, edited through the service; stages are neither added nor deleted here."""

    model = PipelineStage
    fields = ["name", "label", "position", "probability", "is_closed"]
    readonly_fields = ["name"]  # the value records hold
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        user = request.user
        return user.is_super_admin and (obj is None or obj.tenant_id == user.tenant_id)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj) or request.user.is_platform_operator


@admin.register(Pipeline)
class PipelineAdmin(TenantScopedAdmin):
    list_display = ["label", "object_type"]
    fields = ["label", "position"]
    inlines = [PipelineStageInline]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        services.pipeline_update(actor=request.user, pipeline=obj, label=data["label"], position=data["position"])

    def save_formset(self, request, form, formset, change) -> None:
        for stage_form in formset.forms:
            if stage_form.instance.pk and stage_form.has_changed():
                data = stage_form.cleaned_data
                services.pipeline_stage_update(
                    actor=request.user,
                    stage=stage_form.instance,
                    label=data["label"],
                    position=data["position"],
                    probability=data["probability"],
                    is_closed=data["is_closed"],
                )
        # What the admin's change message reads; the service did the saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
