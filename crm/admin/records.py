"""The admin of records: plain and sensitive values read and written through the record layer."""

from __future__ import annotations

import json
import logging

from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.views.decorators.debug import sensitive_variables

from core.admin import TenantScopedAdmin
from crm.admin.record_forms import PREFIX as SENSITIVE_PREFIX
from crm.admin.record_forms import (
    RecordAdminForm,
    SensitiveFieldsMixin,
    plain_properties_of,
    sensitive_field_declarations,
)
from crm.models import Record
from crm.records import api as records_api
from sensitive.keys import MasterKeyUnavailable, TenantKeysDestroyed

logger = logging.getLogger(__name__)


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
        fields = [*self.readonly_fields, "object_type"] if obj else list(self.readonly_fields)
        if obj is not None and not self.has_change_permission(request, obj):
            fields.append("plain_properties")
        return fields

    def get_fields(self, request, obj=None):
        """A view-only page (a platform operator's) renders fields from the stored record, not the
        form: its JSON is shown through plain_properties, without values waiting to be moved."""
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            fields = ["plain_properties" if name == "properties" else name for name in fields]
            fields = [name for name in fields if not name.startswith(SENSITIVE_PREFIX)]
        return fields

    @admin.display(description="Properties")
    def plain_properties(self, obj: Record) -> str:
        return json.dumps(plain_properties_of(obj), default=str, sort_keys=True)

    def get_form(self, request, obj=None, **kwargs):
        """On a change form, one field per sensitive property, read and written through the choke point."""
        if obj is None or not request.user.tenant_id:
            return super().get_form(request, obj, **kwargs)
        declared = sensitive_field_declarations(obj.object_type)
        base = type("RecordAdminFormWithSensitive", (SensitiveFieldsMixin, RecordAdminForm), declared)
        kwargs["form"] = base
        form_class = super().get_form(request, obj, **kwargs)
        actor = request.user

        class Form(form_class):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, **form_kwargs)
                self.add_sensitive_fields(actor=actor, object_type=obj.object_type, record=obj)

        return Form

    def save_model(self, request, obj, form, change) -> None:
        """A refusal is a ValidationError by form field: the base class shows the form again with it."""
        try:
            self._save(request, obj, form, change)
        except ValidationError as exc:
            raise ValidationError(self._errors_by_field(form, exc)) from None
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from None
        except TenantKeysDestroyed as exc:
            raise ValidationError(exc.message) from None
        except MasterKeyUnavailable as exc:  # its message names the key's location: for the log, not the page
            logger.error("Record %s not saved: %s", obj.pk if change else "(new)", exc.message)
            message = "Sensitive values can't be saved right now: the encryption keys are unavailable."
            raise ValidationError(message) from None

    @staticmethod
    def _errors_by_field(form, error: ValidationError) -> dict:
        """A service's ValidationError({property name: [messages]}) by the admin form's fields: sensitive
        values have their own, the others are in the JSON. Each message names its property."""
        if not hasattr(error, "error_dict"):
            return {NON_FIELD_ERRORS: error.messages}
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

    @sensitive_variables()  # the values in hand: none of them in an error report's frame variables
    def _save(self, request, obj, form, change) -> None:
        """Plain and sensitive values in one record_write: validated together, stored in one transaction."""
        values = form.cleaned_data["properties"] or {}
        if change:
            removed = {name: None for name in form.initial.get("properties", {}) if name not in values}
            sensitive = form.sensitive_changes() if isinstance(form, SensitiveFieldsMixin) else {}
            records_api.record_write(
                actor=request.user,
                record=obj,
                values={**values, **removed, **sensitive},
                owner=form.cleaned_data.get("owner"),
                team=form.cleaned_data.get("team"),
                clear_team=form.cleaned_data.get("team") is None,
            )
            return
        created = records_api.record_write(
            actor=request.user,
            object_type=form.cleaned_data["object_type"],
            values=values,
            owner=form.cleaned_data.get("owner"),
            team=form.cleaned_data.get("team"),
        )
        obj.pk, obj.tenant = created.pk, created.tenant

    def delete_model(self, request, obj) -> None:
        records_api.record_delete(actor=request.user, record=obj)
