"""A filter query as HubSpot's search states it: OR of AND groups of (property, operator, values).

Parsed from HubSpot's JSON (`filterGroups`) or made from the staff UI's equality form; limits as
HubSpot's. Errors are ValidationErrors keyed by where the filter is ("filterGroups[0].filters[1]")
and name the property and the rule, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from sensitive.conditions import Operator

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_VALUES = 500  # IN and NOT_IN
MAX_NAME = 100


@dataclass(frozen=True, repr=False)
class Filter:
    """One filter as given; values are checked against the property's type when it is compiled.

    `where` says where it came from, for errors. Its repr never shows the values.
    """

    property_name: str
    operator: Operator
    value: Any = None
    values: tuple = ()
    high_value: Any = None
    where: str = ""

    def __repr__(self) -> str:
        return f"Filter({self.property_name!r}, {self.operator.value})"

    @property
    def label(self) -> str:
        return self.where or self.property_name


@dataclass(frozen=True)
class FilterQuery:
    """OR of `groups`, each an AND of filters; no group: every record."""

    groups: tuple[tuple[Filter, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def filters(self) -> list[Filter]:
        return [f for group in self.groups for f in group]

    @property
    def property_names(self) -> list[str]:
        return list(dict.fromkeys(f.property_name for f in self.filters))


def query_of_equalities(values: Mapping[str, Any]) -> FilterQuery:
    """{property name: value} as one group of EQ filters (the staff UI's index filters)."""
    group = tuple(Filter(name, Operator.EQ, value=value, where=name) for name, value in values.items())
    return FilterQuery((group,) if group else ())


def _text(value: Any, where: str, field: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({where: f"{field} must be a non-empty string."})
    return value.strip()


def _scalar(value: Any, where: str, field: str) -> Any:
    """Values come as strings in HubSpot's API; numbers and booleans are taken too."""
    if value is None or isinstance(value, str | int | float | bool):
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError({where: f"{field} must not contain NUL characters."})
        return value
    raise ValidationError({where: f"{field} must be a string, a number or a boolean."})


def filter_parse(data: Any, where: str) -> Filter:
    """One of HubSpot's filter objects: {"propertyName", "operator", "value" | "values" | "highValue"}."""
    if not isinstance(data, Mapping):
        raise ValidationError({where: "A filter must be an object with propertyName and operator."})
    name = _text(data.get("propertyName"), where, "propertyName")[:MAX_NAME]
    operator_text = _text(data.get("operator"), where, "operator")
    try:
        operator = Operator(operator_text.upper())
    except ValueError:
        allowed = ", ".join(op.value for op in Operator)
        raise ValidationError({where: f"{operator_text[:30]!r} is not an operator; use one of {allowed}."}) from None
    values = data.get("values")
    if values is not None and not isinstance(values, list | tuple):
        raise ValidationError({where: "values must be a list."})
    if values is not None and len(values) > MAX_VALUES:
        raise ValidationError({where: f"values may hold at most {MAX_VALUES} items."})
    return Filter(
        property_name=name,
        operator=operator,
        value=_scalar(data.get("value"), where, "value"),
        values=tuple(_scalar(v, where, "values") for v in values or ()),
        high_value=_scalar(data.get("highValue"), where, "highValue"),
        where=where,
    )


def query_parse(groups: Any, *, prefix: str = "filterGroups") -> FilterQuery:
    """HubSpot's `filterGroups`: at most 5 groups of at most 6 filters, 18 in all.

    A group without filters is left out (an integration building its groups may send one empty).
    """
    if groups is None:
        return FilterQuery()
    if not isinstance(groups, list | tuple):
        raise ValidationError({prefix: "filterGroups must be a list of groups."})
    if len(groups) > MAX_GROUPS:
        raise ValidationError({prefix: f"At most {MAX_GROUPS} filter groups are allowed."})
    parsed: list[tuple[Filter, ...]] = []
    for g, group in enumerate(groups):
        where = f"{prefix}[{g}]"
        filters = group.get("filters") if isinstance(group, Mapping) else None
        if not isinstance(filters, list | tuple):
            raise ValidationError({where: 'A filter group must be an object with a list of "filters".'})
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise ValidationError({where: f"A filter group may hold at most {MAX_FILTERS_PER_GROUP} filters."})
        if filters:
            parsed.append(tuple(filter_parse(data, f"{where}.filters[{i}]") for i, data in enumerate(filters)))
    if sum(len(group) for group in parsed) > MAX_FILTERS:
        raise ValidationError({prefix: f"At most {MAX_FILTERS} filters are allowed in all groups together."})
    return FilterQuery(tuple(parsed))
