"""Form fields generated from property definitions, shared by the staff UI's forms and the admin's.

Django's fields check types; crm.validation, through the record layer, has the last word on a value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html

from crm.models import PropertyDefinition
from crm.validation import value_validator

T = PropertyDefinition.DataType
PROPERTY_PREFIX = "p__"
SENSITIVE_PREFIX = "sensitive__"  # as in the admin's record form (crm/admin/record_forms.py)
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


def plain_value(value: Any) -> Any:
    """Form types to the plain values crm.validation expects (the staff UI and the admin)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value == "":
        return None
    return value


def initial_value(definition: PropertyDefinition, value: Any) -> Any:
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
    the admin): there an empty input means "keep", so deleting the value needs its own signal.
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
