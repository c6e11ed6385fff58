"""Form fields generated from property definitions, shared by the staff UI and the admin.

The staff UI's record form checks types with Django's fields and leaves every other rule to the
services: their ValidationError({name: [messages]}) lands on the matching field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_variables

from accounts.models import Team, User
from crm import selectors
from crm.models import ObjectType, PropertyDefinition, Record
from crm.validation import clean_value, value_validator
from sensitive import selectors as sensitive_selectors
from sensitive.permissions import PropertyAccess
from sensitive.readings import MARKERS, Reading, State

T = PropertyDefinition.DataType
PROPERTY_PREFIX = "p__"
SENSITIVE_PREFIX = "sensitive__"  # as in sensitive/forms.py, the admin's form
FILTER_PREFIX = "f."
SENSITIVITY_HELP = {
    PropertyDefinition.Sensitivity.SENSITIVE: "Sensitive: stored encrypted, shown only to people with access.",
    PropertyDefinition.Sensitivity.HIGHLY_SENSITIVE: (
        "Highly sensitive: stored encrypted, and masked even for people with access until they reveal it."
    ),
}
KEEP_PLACEHOLDER = "•••••• (leave empty to keep the current value)"
KEEP_HELP = "Leave empty to keep the current value, or tick “Clear the current value” to delete it."
CLEAR_PREFIX = "clear__"  # + the value field's name; no property field starts with it
CLEAR_CONFLICT = "Either type a new value or tick Clear, not both."
# Django's own message repeats what was posted; no message about a value may (ARCHITECTURE.md rule 9).
INVALID_CHOICE = "Select one of the options."


def property_form_field(definition: PropertyDefinition, **kwargs) -> forms.Field:
    """A form field for one property; crm.validation still has the last word on the value."""
    common = {
        "label": definition.label,
        "required": False,
        "help_text": definition.description,
        "validators": [value_validator(definition)],
        **kwargs,
    }
    if definition.data_type == T.NUMBER:
        # A text input: <input type=number> silently drops what it cannot parse, so a typo would
        # arrive as "no value" instead of an error next to the field.
        return forms.DecimalField(
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            error_messages={"invalid": "Enter a number, such as 52000 or 1250.50 (digits, no letters)."},
            **common,
        )
    if definition.data_type == T.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.data_type == T.DATETIME:
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), **common
        )
    if definition.data_type == T.BOOL:
        return forms.NullBooleanField(**common)
    if definition.data_type == T.ENUMERATION:
        choices = [("", "—")] + [(option["value"], option["label"]) for option in definition.options]
        return forms.ChoiceField(choices=choices, error_messages={"invalid_choice": INVALID_CHOICE}, **common)
    return forms.CharField(max_length=65_535, **common)


def display_value(definition: PropertyDefinition, value: Any) -> Any:
    """A stored value as people read it: option labels for enumerations, Yes/No for booleans, datetimes
    in the active time zone (the user's, see accounts.middleware.TimeZoneMiddleware)."""
    if value is None or value == "":
        return None
    if definition.data_type == T.ENUMERATION:
        return next((option["label"] for option in definition.options if option["value"] == value), value)
    if definition.data_type == T.BOOL:
        return "Yes" if value else "No"
    if definition.data_type == T.DATETIME:
        return display_datetime(value)
    return value


def display_datetime(value: Any) -> Any:
    """A stored UTC datetime as "2026-03-01 09:30 (Europe/Berlin)": the zone's name, not an
    abbreviation, because abbreviations are ambiguous (CST is three different zones)."""
    try:
        parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        return value
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)  # as crm.validation stores it
    return f"{timezone.localtime(parsed):%Y-%m-%d %H:%M} ({timezone.get_current_timezone_name()})"


def plain_value(value: Any) -> Any:
    """Form types to the plain values crm.validation expects (the staff UI and sensitive/forms.py)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value == "":
        return None
    return value


def _initial(definition: PropertyDefinition, value: Any) -> Any:
    """A stored value in the type its form field compares with, so unchanged fields count as unchanged."""
    if value is None or not isinstance(value, str):
        return value
    if definition.data_type == T.DATE:
        return parse_date(value) or value
    if definition.data_type == T.DATETIME:
        # Aware (UTC): forms.DateTimeField.prepare_value shows it in the active time zone, and
        # reads typed values, which have no offset, in that zone too.
        return parse_datetime(value) or value
    return value


def clear_field(definition: PropertyDefinition) -> forms.BooleanField:
    """The "Clear the current value" checkbox of a field that cannot show its value (the staff UI and
    sensitive/forms.py): there an empty input means "keep", so deleting the value needs its own signal.
    The hidden part of the label names the property for screen readers, as the Reveal button does."""
    label = format_html('Clear the current value<span class="visually-hidden"> of {}</span>', definition.label)
    return forms.BooleanField(label=label, required=False)


def add_clear_conflicts(form: forms.Form, value_names: list[str]) -> None:
    """A ticked Clear next to a typed value is contradictory: an error on the value field keeps the
    input and stops the save, rather than guessing which of the two the user meant."""
    for name in value_names:
        if not form.cleaned_data.get(CLEAR_PREFIX + name):
            continue
        # A value that failed its own checks was typed too.
        typed = name not in form.cleaned_data or plain_value(form.cleaned_data[name]) is not None
        if typed:
            form.add_error(name, CLEAR_CONFLICT)


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

    Sensitive fields follow the rules of sensitive/forms.py: values come from values_read (so
    masking applies), a field the actor may not edit is read-only and shows the marker, never an
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
            self.readings = sensitive_selectors.values_read(
                actor=actor, records=[record], names=sensitive_names, purpose="edit form"
            ).get(record.pk, {})
        # The current owner stays a choice even when deactivated: saving must not quietly reassign the record.
        current_owner = Q(pk=record.owner_id) if record is not None and record.owner_id else Q(pk__in=[])
        self.fields["owner"].queryset = User.objects.filter(
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

        A masked reading does not say whether a value is stored (values_read masks without looking),
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
            field.initial = _initial(definition, self.record.properties.get(definition.name))
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
            field.initial = _initial(definition, reading.value)
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


def property_filter_field(definition: PropertyDefinition) -> forms.Field:
    """An equality filter on one property: a select for enumerations and yes/no, text otherwise."""
    common = {"label": definition.label, "required": False}
    if definition.data_type == T.ENUMERATION:
        choices = [("", "Any")] + [(option["value"], option["label"]) for option in definition.options]
        return forms.ChoiceField(choices=choices, error_messages={"invalid_choice": INVALID_CHOICE}, **common)
    if definition.data_type == T.BOOL:
        choices = [("", "Any"), ("true", "Yes"), ("false", "No")]
        return forms.ChoiceField(choices=choices, error_messages={"invalid_choice": INVALID_CHOICE}, **common)
    if definition.data_type == T.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.data_type == T.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    return forms.CharField(max_length=500, **common)


class RecordFilterForm(forms.Form):
    """Equality filters `f.<name>=<value>` on an object index, bound to the query string.

    Offered: every non-sensitive property, and the sensitive ones the actor may view that have a
    blind index. Filtering on a sensitive property without one decrypts every value, which belongs
    in a background job, not in a page load.
    """

    def __init__(self, data: Mapping[str, Any], *, actor: User, definitions: list[PropertyDefinition]) -> None:
        super().__init__(data, auto_id="filter_%s")
        self.access = PropertyAccess(actor)
        self.definitions = {definition.name: definition for definition in definitions}
        self.refused: list[str] = []  # why filters given in the URL but not offered were left out
        for definition in definitions:
            if definition.data_type == T.FILE:
                continue
            if definition.is_sensitive and not (definition.searchable and self.access.can_view(definition)):
                continue
            self.fields[FILTER_PREFIX + definition.name] = property_filter_field(definition)
        for key in data:
            if key.startswith(FILTER_PREFIX) and key not in self.fields and data.get(key):
                self.refused.append(self._refusal(key.removeprefix(FILTER_PREFIX)[:63]))

    def _refusal(self, name: str) -> str:
        definition = self.definitions.get(name)
        if definition is None:
            return f"There is no property named “{name}”, so that filter was left out."
        if definition.is_sensitive and not self.access.can_view(definition):
            return (
                f"You may not filter on {definition.label}: it is {definition.get_sensitivity_display().lower()}. "
                f"Ask {self.access.who_to_ask(definition)} for access. That filter was left out."
            )
        return f"{definition.label} cannot be filtered on here, so that filter was left out."

    def filters(self) -> dict[str, Any]:
        """The valid filters, {property name: value}; invalid ones get an error on their field."""
        self.is_valid()
        filters = {}
        for key in self.fields:
            value = self.data.get(key, "").strip() if key not in self.errors else ""
            if not value:
                continue
            definition = self.definitions[key.removeprefix(FILTER_PREFIX)]
            try:
                clean_value(definition, value)
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error(key, message)
                continue
            filters[definition.name] = value
        return filters

    def active_count(self) -> int:
        return sum(1 for key in self.fields if self.data.get(key))

    def rows(self) -> list[tuple[forms.BoundField, PropertyDefinition]]:
        return [(self[key], self.definitions[key.removeprefix(FILTER_PREFIX)]) for key in self.fields]


def sort_choices(definitions: list[PropertyDefinition]) -> list[tuple[str, str]]:
    """The sorts an index offers: dates, name, and each non-sensitive property both ways."""
    choices = [
        ("-created", "Newest first"),
        ("created", "Oldest first"),
        ("-updated", "Recently updated first"),
        ("updated", "Least recently updated first"),
        ("name", "Name, A to Z"),
        ("-name", "Name, Z to A"),
    ]
    for d in definitions:
        if not d.is_sensitive and d.data_type != T.FILE:
            choices += [(f"p.{d.name}", f"{d.label}, ascending"), (f"-p.{d.name}", f"{d.label}, descending")]
    return choices
