"""The object index's filter form and sort choices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from crm.models import PropertyDefinition
from crm.records.filters import Filter, FilterQuery, Operator, filter_clean
from crm.ui.forms.fields import INVALID_CHOICE
from sensitive.permissions import PropertyAccess

T = PropertyDefinition.DataType
FILTER_PREFIX = "f."


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
    """Equality filters `f.<name>=<value>` on an object index, bound to the query string, as a
    FilterQuery for crm.records.selectors.record_list (the one filter compiler).

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

    def filters(self) -> FilterQuery:
        """The valid filters, as one group of EQ filters of the record layer's compiler; an invalid
        one gets an error on its field and is left out."""
        self.is_valid()
        group = []
        for key in self.fields:
            value = self.data.get(key, "").strip() if key not in self.errors else ""
            if not value:
                continue
            definition = self.definitions[key.removeprefix(FILTER_PREFIX)]
            equality = Filter(definition.name, Operator.EQ, value=value, where=key)
            try:
                filter_clean(equality, definition)
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error(key, message)
                continue
            group.append(equality)
        return FilterQuery((tuple(group),) if group else ())

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
