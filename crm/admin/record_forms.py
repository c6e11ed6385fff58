"""The admin's record form: plain values as JSON, sensitive ones as fields, both through the record layer.

A form that mixes in SensitiveFieldsMixin gets one field per sensitive property of the record.
Initial values come from the record layer's `record_view` (so scope, grants and masking apply);
saving hands only the fields the user changed and may edit to `record_write`, together with the
plain values, in one write. The ciphertext never reaches a form.

A masked field left empty keeps its value, so each highly sensitive property also gets a "Clear
the current value" checkbox (CLEAR_PREFIX + the field's name), live only where the value is
masked and the user may edit it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from crm import selectors
from crm.models import PropertyDefinition, Record
from crm.records import api as records_api
from crm.ui.forms.fields import (
    CLEAR_PREFIX,
    KEEP_HELP,
    KEEP_PLACEHOLDER,
    SENSITIVE_PREFIX,
    add_clear_conflicts,
    clear_field,
    plain_value,
    property_form_field,
)
from crm.validation import clean_values
from sensitive.permissions import PropertyAccess
from sensitive.readings import State

PREFIX = SENSITIVE_PREFIX


def _sensitive_definitions(object_type) -> list[PropertyDefinition]:
    return list(
        selectors.property_definitions(object_type=object_type).exclude(sensitivity=PropertyDefinition.Sensitivity.NONE)
    )


def sensitive_field_declarations(object_type) -> dict:
    """Fields to declare on a form class (the admin renders only declared fields); filled per instance.

    Only highly sensitive values are ever masked, so only they get a Clear checkbox, declared
    right after the value so that the admin shows it on the next row.
    """
    declared = {}
    for definition in _sensitive_definitions(object_type):
        declared[PREFIX + definition.name] = property_form_field(definition)
        if definition.is_highly_sensitive:
            declared[CLEAR_PREFIX + PREFIX + definition.name] = clear_field(definition)
    return declared


class SensitiveFieldsMixin:
    sensitive_definitions: list
    sensitive_clearable: set[str]  # property names whose Clear checkbox is live

    def add_sensitive_fields(self, *, actor, object_type, record=None) -> None:
        self.sensitive_actor = actor
        self.sensitive_definitions = _sensitive_definitions(object_type)
        self.sensitive_clearable = set()
        readings = {}
        if record is not None and record.pk and self.sensitive_definitions:
            names = [definition.name for definition in self.sensitive_definitions]
            try:
                view = records_api.record_view(actor=actor, record=record, properties=names, purpose="edit form")
                readings = view.readings
            except Record.DoesNotExist:  # outside the actor's record scope: every field stays restricted
                pass
        access = PropertyAccess(actor)
        for definition in self.sensitive_definitions:
            reading = readings.get(definition.name)
            field = property_form_field(definition)
            field.help_text = definition.get_sensitivity_display()
            if not access.can_edit(definition):
                field.disabled = True
                field.widget.attrs["placeholder"] = str(reading) if reading else "Restricted"
                field.help_text += f": you may not edit it; ask {access.who_to_ask(definition)}."
            elif reading is not None and reading.state == State.MASKED:
                if isinstance(field, forms.ChoiceField):  # a select has no placeholder: its empty choice says it
                    field.choices = [("", KEEP_PLACEHOLDER), *field.choices[1:]]
                else:
                    field.widget.attrs["placeholder"] = KEEP_PLACEHOLDER
                field.help_text += f". {KEEP_HELP}"
                self.sensitive_clearable.add(definition.name)
            elif reading is not None and reading.is_value:
                field.initial = reading.value
            self.fields[PREFIX + definition.name] = field
            self._set_clear_field(definition)

    def _set_clear_field(self, definition) -> None:
        """The declared checkbox stays only where it is live; elsewhere a disabled hidden field takes
        its place (the admin renders every declared name), which ignores whatever is posted for it."""
        name = CLEAR_PREFIX + PREFIX + definition.name
        if definition.name in self.sensitive_clearable:
            self.fields[name] = clear_field(definition)
        elif name in self.fields:
            self.fields[name] = forms.BooleanField(required=False, disabled=True, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        add_clear_conflicts(self, [PREFIX + name for name in getattr(self, "sensitive_clearable", ())])
        return cleaned

    @sensitive_variables()  # the values in hand: none of them in an error report's frame variables
    def sensitive_changes(self) -> dict[str, Any]:
        """The sensitive values to write ({name: value, or None to delete it}), for record_write."""
        access = PropertyAccess(self.sensitive_actor)
        changes = {}
        for definition in self.sensitive_definitions:
            key = PREFIX + definition.name
            if not access.can_edit(definition):
                continue
            if definition.name in self.sensitive_clearable and self.cleaned_data.get(CLEAR_PREFIX + key):
                changes[definition.name] = None  # the write deletes the stored value
                continue
            if key not in self.changed_data:
                continue
            value = self.cleaned_data.get(key)
            if definition.is_highly_sensitive and value in (None, ""):
                continue  # an empty masked field means "keep"
            changes[definition.name] = plain_value(value)
        return changes


def plain_properties_of(record: Record) -> dict[str, Any]:
    """The record's JSON without the values of properties just made sensitive: they wait there for
    their move, and no admin page (an editable form or a view-only page) may show them."""
    definitions = selectors.property_definitions_by_name(object_type=record.object_type)
    return {
        name: value
        for name, value in (record.properties or {}).items()
        if name not in definitions or not definitions[name].is_sensitive
    }


class RecordAdminForm(forms.ModelForm):
    """Edits the non-sensitive values as JSON, checked by the same validation as every other path."""

    class Meta:
        model = Record
        fields = ["object_type", "owner", "team", "properties"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["properties"] = plain_properties_of(self.instance)

    def clean(self):
        cleaned = super().clean()
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
