"""Sensitive properties in Django forms (admin and staff UI), through the choke point only.

A form that mixes in SensitiveFieldsMixin gets one field per sensitive property of the record.
Initial values come from `values_read` (so masking applies); saving sends only the fields the
user changed and may edit to `values_write`. The ciphertext never reaches a form.

A masked field left empty keeps its value, so each highly sensitive property also gets a "Clear
the current value" checkbox (CLEAR_PREFIX + the field's name), live only where the value is
masked and the user may edit it.
"""

from __future__ import annotations

from django import forms
from django.views.decorators.debug import sensitive_variables

from crm.forms import (
    CLEAR_PREFIX,
    KEEP_HELP,
    KEEP_PLACEHOLDER,
    add_clear_conflicts,
    clear_field,
    plain_value,
    property_form_field,
)
from sensitive import selectors, services
from sensitive.permissions import PropertyAccess
from sensitive.readings import State

PREFIX = "sensitive__"


def sensitive_field_declarations(object_type) -> dict:
    """Fields to declare on a form class (the admin renders only declared fields); filled per instance.

    Only highly sensitive values are ever masked, so only they get a Clear checkbox, declared
    right after the value so that the admin shows it on the next row.
    """
    declared = {}
    for definition in selectors.sensitive_definitions(object_type_ids=[object_type.pk]):
        declared[PREFIX + definition.name] = property_form_field(definition)
        if definition.is_highly_sensitive:
            declared[CLEAR_PREFIX + PREFIX + definition.name] = clear_field(definition)
    return declared


class SensitiveFieldsMixin:
    sensitive_definitions: list
    sensitive_clearable: set[str]  # property names whose Clear checkbox is live

    def add_sensitive_fields(self, *, actor, object_type, record=None) -> None:
        self.sensitive_actor = actor
        self.sensitive_definitions = selectors.sensitive_definitions(object_type_ids=[object_type.pk])
        self.sensitive_clearable = set()
        readings = (
            selectors.values_read(actor=actor, records=[record], purpose="edit form").get(record.pk, {})
            if record is not None and record.pk
            else {}
        )
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
    def save_sensitive_fields(self, record) -> None:
        access = PropertyAccess(self.sensitive_actor)
        changes = {}
        for definition in self.sensitive_definitions:
            key = PREFIX + definition.name
            if not access.can_edit(definition):
                continue
            if definition.name in self.sensitive_clearable and self.cleaned_data.get(CLEAR_PREFIX + key):
                changes[definition.name] = None  # values_write deletes the stored value
                continue
            if key not in self.changed_data:
                continue
            value = self.cleaned_data.get(key)
            if definition.is_highly_sensitive and value in (None, ""):
                continue  # an empty masked field means "keep"
            changes[definition.name] = plain_value(value)
        if changes:
            services.values_write(actor=self.sensitive_actor, record=record, values=changes)
