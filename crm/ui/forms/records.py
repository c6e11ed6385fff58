"""The staff UI's record form: one field per property, sensitive ones as the record layer shows them.

The form checks types with Django's fields and leaves every other rule to the record layer:
its ValidationError({name: [messages]}) lands on the matching field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from accounts.models import Team, User
from crm import selectors
from crm.display import display_value
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import api as records
from crm.ui.forms.fields import (
    CLEAR_PREFIX,
    KEEP_HELP,
    KEEP_PLACEHOLDER,
    PROPERTY_PREFIX,
    SENSITIVE_PREFIX,
    SENSITIVITY_HELP,
    add_clear_conflicts,
    clear_field,
    initial_value,
    plain_value,
    property_form_field,
)
from crm.validation import clean_value
from sensitive.permissions import PropertyAccess
from sensitive.readings import MARKERS, Reading, State


def _kept_when_empty(reading: Reading | None) -> bool:
    """The form cannot show this value (masked highly sensitive, or unreadable): empty means "keep"."""
    return reading is not None and not reading.is_value and reading.state != State.EMPTY


def _person(user: User) -> str:
    name = user.get_full_name()
    return name if name == user.email else f"{name} ({user.email})"


def _same(definition: PropertyDefinition, stored: Any, new: Any) -> bool:
    try:
        return clean_value(definition, new) == stored
    except ValidationError:
        return False  # the service will say what is wrong with it


class RecordForm(forms.Form):
    """One field per property, grouped like the record page, plus owner and team.

    Sensitive fields follow the rules of the admin's record form: values come from the record layer
    (so scope, grants and masking apply), a field the actor may not edit is read-only and shows the marker, never an
    empty input, and a masked highly sensitive field left empty keeps its value; a "Clear the
    current value" checkbox next to it (CLEAR_PREFIX + its name) deletes the value.
    """

    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Owner")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team", required=False, empty_label="No team")

    def __init__(self, data=None, *, actor: User, object_type: ObjectType, record: Record | None = None) -> None:
        super().__init__(data)
        self.actor, self.object_type, self.record = actor, object_type, record
        self.access = PropertyAccess(actor)
        self.definitions = list(selectors.property_definitions(object_type=object_type))
        sensitive_names = [d.name for d in self.definitions if d.is_sensitive]
        self.readings: dict[str, Reading] = {}
        if record is not None and sensitive_names:
            self.readings = records.record_view(
                actor=actor, record=record, properties=sensitive_names, purpose="edit form"
            ).readings
        # The current owner stays a choice even when deactivated: saving must not quietly reassign the record.
        current_owner = Q(pk=record.owner_id) if record is not None and record.owner_id else Q(pk__in=[])
        self.fields["owner"].queryset = User.objects.people().filter(
            Q(is_active=True) | current_owner, tenant_id=actor.tenant_id
        )
        self.fields["owner"].label_from_instance = _person
        self.fields["team"].queryset = Team.objects.for_tenant(actor.tenant_id)
        self.fields["owner"].initial = record.owner_id if record is not None else actor.pk
        self.fields["team"].initial = record.team_id if record is not None else None
        for definition in self.definitions:
            field = self._sensitive_field(definition) if definition.is_sensitive else self._plain_field(definition)
            self.fields[self.field_name(definition)] = field
            if self._offers_clear(definition):
                self.fields[CLEAR_PREFIX + self.field_name(definition)] = clear_field(definition)

    @staticmethod
    def field_name(definition: PropertyDefinition) -> str:
        return (SENSITIVE_PREFIX if definition.is_sensitive else PROPERTY_PREFIX) + definition.name

    def _offers_clear(self, definition: PropertyDefinition) -> bool:
        """Only where empty means "keep" and the actor may edit: a visible value is cleared by emptying
        its input, an empty one has nothing to clear, and a read-only field is disabled.

        A masked reading does not say whether a value is stored (the choke point masks without looking),
        so an empty highly sensitive property gets the checkbox too; ticking it then changes nothing.
        """
        return (
            definition.is_sensitive
            and _kept_when_empty(self.readings.get(definition.name))
            and self.access.can_edit(definition)
        )

    def _plain_field(self, definition: PropertyDefinition) -> forms.Field:
        field = property_form_field(definition)
        if self.record is not None:
            field.initial = initial_value(definition, self.record.properties.get(definition.name))
        return field

    def _sensitive_field(self, definition: PropertyDefinition) -> forms.Field:
        reading = self.readings.get(definition.name)
        level = definition.get_sensitivity_display()
        if not self.access.can_edit(definition):
            # Read-only, showing what the actor may see of it; Django never takes a disabled field from POST.
            if reading is not None and reading.is_value:
                shown = str(display_value(definition, reading.value))
            elif reading is not None and reading.state != State.EMPTY:
                shown = str(reading)
            else:
                shown = "—" if self.access.can_view(definition) else MARKERS[State.RESTRICTED]
            field = forms.CharField(label=definition.label, required=False, disabled=True, initial=shown)
            field.help_text = f"{level}: you may not edit it; ask {self.access.who_to_ask(definition)}."
            return field
        field = property_form_field(definition)
        field.help_text = " ".join(
            part for part in (SENSITIVITY_HELP[definition.sensitivity], definition.description) if part
        )
        if reading is not None and reading.is_value:
            field.initial = initial_value(definition, reading.value)
        elif _kept_when_empty(reading):
            # Masked (highly sensitive) or unreadable: the form cannot show it, and empty means "keep".
            field.help_text += " " + KEEP_HELP
            if isinstance(field, forms.ChoiceField):
                field.choices = [("", KEEP_PLACEHOLDER), *field.choices[1:]]
            else:
                field.widget.attrs["placeholder"] = KEEP_PLACEHOLDER
        return field

    def groups(
        self,
    ) -> list[tuple[str, list[tuple[forms.BoundField, PropertyDefinition | None, forms.BoundField | None]]]]:
        """(heading, [(bound field, its definition, its Clear checkbox or None)]) in the record page's
        order; owner and team last."""
        grouped: dict[str, list] = {}
        for definition in self.definitions:
            name = self.field_name(definition)
            clear = self[CLEAR_PREFIX + name] if CLEAR_PREFIX + name in self.fields else None
            grouped.setdefault(definition.group or "Other", []).append((self[name], definition, clear))
        return [*grouped.items(), ("Owner and team", [(self["owner"], None, None), (self["team"], None, None)])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        add_clear_conflicts(self, [name for name in self.fields if CLEAR_PREFIX + name in self.fields])
        return cleaned

    @sensitive_variables()  # sensitive values among them: none in an error report's frame variables
    def property_values(self) -> dict[str, Any]:
        """The values to send to the services: on a new record the filled ones, on an edit the changed ones."""
        values: dict[str, Any] = {}
        for definition in self.definitions:
            if definition.is_sensitive and not self.access.can_edit(definition):
                continue
            new = plain_value(self.cleaned_data.get(self.field_name(definition)))
            if definition.is_sensitive and self.record is not None:
                reading = self.readings.get(definition.name)
                if _kept_when_empty(reading):
                    # The checkbox is there only where _offers_clear said so: a forged one is not a field.
                    if self.cleaned_data.get(CLEAR_PREFIX + self.field_name(definition)):
                        values[definition.name] = None  # the services delete the stored value
                    elif new is not None:  # masked: empty keeps the value
                        values[definition.name] = new
                    continue
                stored = reading.value if reading is not None and reading.is_value else None
            elif self.record is not None:
                stored = self.record.properties.get(definition.name)
            else:
                stored = None
            if self.record is None:
                if new is not None:
                    values[definition.name] = new
            elif not _same(definition, stored, new):
                values[definition.name] = new
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError({name: [messages]}) on the fields it names."""
        by_name = {definition.name: self.field_name(definition) for definition in self.definitions}
        messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for name, field_messages in messages.items():
            field = by_name.get(name, name if name in ("owner", "team") else None)
            for message in field_messages:
                self.add_error(field, message)
