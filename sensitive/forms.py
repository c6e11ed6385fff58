"""Sensitive properties in Django forms (admin and staff UI), through the choke point only.

A form that mixes in SensitiveFieldsMixin gets one field per sensitive property of the record.
Initial values come from `values_read` (so masking applies); saving sends only the fields the
user changed and may edit to `values_write`. The ciphertext never reaches a form.
"""

from __future__ import annotations

from crm.forms import plain_value, property_form_field
from sensitive import selectors, services
from sensitive.permissions import PropertyAccess
from sensitive.readings import State

PREFIX = "sensitive__"


def sensitive_field_declarations(object_type) -> dict:
    """Fields to declare on a form class (the admin renders only declared fields); filled per instance."""
    return {
        PREFIX + definition.name: property_form_field(definition)
        for definition in selectors.sensitive_definitions(object_type_ids=[object_type.pk])
    }


class SensitiveFieldsMixin:
    sensitive_definitions: list

    def add_sensitive_fields(self, *, actor, object_type, record=None) -> None:
        self.sensitive_actor = actor
        self.sensitive_definitions = selectors.sensitive_definitions(object_type_ids=[object_type.pk])
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
                field.widget.attrs["placeholder"] = "•••••• (leave empty to keep the current value)"
            elif reading is not None and reading.is_value:
                field.initial = reading.value
            self.fields[PREFIX + definition.name] = field

    def save_sensitive_fields(self, record) -> None:
        access = PropertyAccess(self.sensitive_actor)
        changes = {}
        for definition in self.sensitive_definitions:
            key = PREFIX + definition.name
            if key not in self.changed_data or not access.can_edit(definition):
                continue
            value = self.cleaned_data.get(key)
            if definition.is_highly_sensitive and value in (None, ""):
                continue  # an empty masked field means "keep"
            changes[definition.name] = plain_value(value)
        if changes:
            services.values_write(actor=self.sensitive_actor, record=record, values=changes)
