"""The admin of property definitions, through the same services as the settings screens."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import TenantScopedAdmin
from crm import services
from crm.models import PropertyDefinition
from crm.ui.settings.access import property_access_view
from sensitive.sensitivity import property_sensitivity_change


class PropertyDefinitionForm(forms.ModelForm):
    class Meta:
        model = PropertyDefinition
        fields = [
            "object_type",
            "name",
            "label",
            "description",
            "group",
            "data_type",
            "options",
            "sensitivity",
            "searchable",
            "required",
            "position",
        ]


@admin.register(PropertyDefinition)
class PropertyDefinitionAdmin(TenantScopedAdmin):
    form = PropertyDefinitionForm
    list_display = ["label", "name", "object_type", "data_type", "sensitivity", "searchable", "is_standard"]
    list_filter = ["object_type__name", "data_type", "sensitivity"]
    search_fields = ["name", "label"]

    def get_readonly_fields(self, request, obj=None):
        # Name and type never change (stored values and grants refer to them); nor does searchable (no
        # service rebuilds the blind index). Sensitivity changes through its service, as in the settings.
        return ["object_type", "name", "data_type", "searchable", "access"] if obj else []

    def get_urls(self):
        access = self.admin_site.admin_view(partial(property_access_view, admin_site=self.admin_site))
        return [path("<uuid:definition_id>/access/", access, name="crm_propertydefinition_access"), *super().get_urls()]

    @admin.display(description="Who can see this")
    def access(self, definition: PropertyDefinition) -> str:
        if not definition.is_sensitive:
            return "Everyone who can see the record."
        url = reverse("admin:crm_propertydefinition_access", args=[definition.pk])
        return format_html('<a href="{}">Who can view and edit it, and grants</a>', url)

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if change:
            # The same services as the settings UI: the option rules, the MFA rule, the events.
            definition = services.property_definition_update(
                actor=request.user,
                definition=PropertyDefinition.objects.get(pk=obj.pk),
                label=data["label"],
                description=data["description"],
                group=data["group"],
                options=data["options"],
                required=data["required"],
                position=data["position"],
            )
            if "sensitivity" in form.changed_data:
                property_sensitivity_change(actor=request.user, definition=definition, sensitivity=data["sensitivity"])
            return
        created = services.property_definition_create(
            actor=request.user,
            object_type=data["object_type"],
            name=data["name"],
            label=data["label"],
            data_type=data["data_type"],
            options=data["options"] or [],
            sensitivity=data["sensitivity"],
            searchable=data["searchable"],
            required=data["required"],
            group=data["group"],
            description=data["description"],
        )
        obj.pk, obj.tenant = created.pk, created.tenant
