from __future__ import annotations

import logging
from functools import partial

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import TenantScopedAdmin
from crm import selectors, services
from crm.models import ObjectType, Pipeline, PipelineStage, PropertyDefinition, Record
from crm.ui.settings.access import property_access_view
from crm.validation import clean_values
from sensitive import services as sensitive_services
from sensitive.forms import PREFIX as SENSITIVE_PREFIX
from sensitive.forms import SensitiveFieldsMixin, sensitive_field_declarations
from sensitive.keys import MasterKeyUnavailable, TenantKeysDestroyed

logger = logging.getLogger(__name__)


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
                sensitive_services.property_sensitivity_change(
                    actor=request.user, definition=definition, sensitivity=data["sensitivity"]
                )
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


class RecordAdminForm(forms.ModelForm):
    """Edits the non-sensitive values as JSON, checked by the same validation as every other path."""

    # Reasons the last save was refused ({field or None: [messages]}), shown when the form is rendered again.
    save_refusals: dict = {}

    class Meta:
        model = Record
        fields = ["object_type", "owner", "team", "properties"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Values of a property just made sensitive wait in the JSON for their move: not in this field.
            definitions = selectors.property_definitions_by_name(object_type=self.instance.object_type)
            self.initial["properties"] = {
                name: value
                for name, value in (self.instance.properties or {}).items()
                if name not in definitions or not definitions[name].is_sensitive
            }

    def clean(self):
        cleaned = super().clean()
        for field, messages in self.save_refusals.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        object_type = cleaned.get("object_type") or getattr(self.instance, "object_type", None)
        values = cleaned.get("properties")
        if object_type is None or not isinstance(values, dict):
            if values is not None and not isinstance(values, dict):
                self.add_error("properties", 'Give the values as a JSON object: {"name": value, ...}.')
            return cleaned
        definitions = selectors.property_definitions_by_name(object_type=object_type)
        sensitive = [name for name in values if name in definitions and definitions[name].is_sensitive]
        if sensitive:
            names = ", ".join(sensitive)
            self.add_error("properties", f"Sensitive properties ({names}) are edited on the record page.")
            return cleaned
        try:
            clean_values(definitions, values, object_label=object_type.label_plural)
        except ValidationError as exc:
            self.add_error("properties", "; ".join(m for messages in exc.message_dict.values() for m in messages))
        return cleaned


class _SaveRefused(Exception):
    """A service refused the admin's save; carries the reasons by form field (None: the whole form)."""

    def __init__(self, errors: dict) -> None:
        super().__init__("save refused")
        self.errors = errors


@admin.register(Record)
class RecordAdmin(TenantScopedAdmin):
    form = RecordAdminForm
    list_display = ["__str__", "object_type", "owner", "team", "updated_at"]
    list_filter = ["object_type__name"]
    search_fields = ["display_name"]
    list_select_related = ["object_type", "owner", "team"]
    readonly_fields = ["display_name", "created_at", "updated_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "object_type"] if obj else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        """On a change form, one field per sensitive property, read and written through the choke point."""
        refusals = {"save_refusals": getattr(request, "record_save_refusals", {})}
        if obj is None or not request.user.tenant_id:
            kwargs["form"] = type("RecordAdminForm", (RecordAdminForm,), refusals)
            return super().get_form(request, obj, **kwargs)
        declared = sensitive_field_declarations(obj.object_type)
        base = type("RecordAdminFormWithSensitive", (SensitiveFieldsMixin, RecordAdminForm), {**declared, **refusals})
        kwargs["form"] = base
        form_class = super().get_form(request, obj, **kwargs)
        actor = request.user

        class Form(form_class):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, **form_kwargs)
                self.add_sensitive_fields(actor=actor, object_type=obj.object_type, record=obj)

        return Form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save the services refuse is the form again with the reasons (as in the staff UI), not a 500.

        The refused save ran in the view's transaction, which rolled back; the second pass validates
        the same POST and renders it with the reasons on their fields.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _SaveRefused as refused:
            request.record_save_refusals = refused.errors
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        try:
            self._save(request, obj, form, change)
        except ValidationError as exc:
            raise _SaveRefused(self._errors_by_field(form, exc)) from None
        except PermissionDenied as exc:
            raise _SaveRefused({None: [str(exc)]}) from None
        except TenantKeysDestroyed as exc:
            raise _SaveRefused({None: [exc.message]}) from None
        except MasterKeyUnavailable as exc:  # its message names the key's location: for the log, not the page
            logger.error("Record %s not saved: %s", obj.pk if change else "(new)", exc.message)
            message = "Sensitive values can't be saved right now: the encryption keys are unavailable."
            raise _SaveRefused({None: [message]}) from None

    @staticmethod
    def _errors_by_field(form, error: ValidationError) -> dict:
        """A service's ValidationError({property name: [messages]}) by the admin form's fields: sensitive
        values have their own, the others are in the JSON. Each message names its property."""
        if not hasattr(error, "error_dict"):
            return {None: error.messages}
        errors: dict = {}
        for name, messages in error.message_dict.items():
            if name in ("owner", "team", "object_type"):
                field = name
            elif SENSITIVE_PREFIX + name in form.fields:
                field = SENSITIVE_PREFIX + name
            else:
                field = "properties"
            errors.setdefault(field, []).extend(messages)
        return errors

    def _save(self, request, obj, form, change) -> None:
        values = form.cleaned_data["properties"] or {}
        if change:
            removed = {name: None for name in form.initial.get("properties", {}) if name not in values}
            services.record_update(
                actor=request.user,
                record=obj,
                values={**values, **removed},
                owner=form.cleaned_data.get("owner"),
                team=form.cleaned_data.get("team"),
                clear_team=form.cleaned_data.get("team") is None,
            )
            if isinstance(form, SensitiveFieldsMixin):
                form.save_sensitive_fields(obj)
            return
        created = services.record_create(
            actor=request.user,
            object_type=form.cleaned_data["object_type"],
            values=values,
            owner=form.cleaned_data.get("owner"),
            team=form.cleaned_data.get("team"),
        )
        obj.pk, obj.tenant = created.pk, created.tenant

    def delete_model(self, request, obj) -> None:
        services.record_delete(actor=request.user, record=obj)


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
