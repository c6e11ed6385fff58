"""Form fields generated from property definitions, shared by the staff UI and the admin."""

from __future__ import annotations

from django import forms

from crm.models import PropertyDefinition

T = PropertyDefinition.DataType


def property_form_field(definition: PropertyDefinition, **kwargs) -> forms.Field:
    """A form field for one property; crm.validation still has the last word on the value."""
    common = {"label": definition.label, "required": False, "help_text": definition.description, **kwargs}
    if definition.data_type == T.NUMBER:
        return forms.DecimalField(**common)
    if definition.data_type == T.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.data_type == T.DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if definition.data_type == T.BOOL:
        return forms.NullBooleanField(**common)
    if definition.data_type == T.ENUMERATION:
        choices = [("", "—")] + [(option["value"], option["label"]) for option in definition.options]
        return forms.ChoiceField(choices=choices, **common)
    return forms.CharField(max_length=65_535, **common)
