"""Which operators fit which data type, and a filter's values cleaned to the property's stored form.

Ranges apply to numbers, dates and datetimes only: text has no order that SQL (with its collations),
memory and both databases would share. Words (CONTAINS_TOKEN) apply to text. Dates and datetimes
take ISO 8601 or, as HubSpot sends them, milliseconds since the epoch.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from crm.models import PropertyDefinition
from crm.records.filters.query import Filter
from crm.validation import clean_value
from sensitive.conditions import NEGATIONS, RANGES, Condition, Operator, pattern_words

Op = Operator
T = PropertyDefinition.DataType
_EQUALITY = {Op.EQ, Op.NEQ, Op.IN, Op.NOT_IN, Op.HAS_PROPERTY, Op.NOT_HAS_PROPERTY}
_ORDERED = _EQUALITY | set(RANGES)
OPERATORS = {
    T.STRING: _EQUALITY | {Op.CONTAINS_TOKEN, Op.NOT_CONTAINS_TOKEN},
    T.ENUMERATION: _EQUALITY,
    T.NUMBER: _ORDERED,
    T.DATE: _ORDERED,
    T.DATETIME: _ORDERED,
    T.BOOL: {Op.EQ, Op.NEQ, Op.HAS_PROPERTY, Op.NOT_HAS_PROPERTY},
    T.FILE: {Op.HAS_PROPERTY, Op.NOT_HAS_PROPERTY},
}
MAX_PATTERN = 200
MAX_PATTERN_WORDS = 10
_EPOCH_MS = re.compile(r"-?\d{1,15}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, repr=False)
class Term:
    """A filter checked against its property: the positive condition, and whether the answer is
    every record but those that meet it (NEQ, NOT_IN, NOT_HAS_PROPERTY, NOT_CONTAINS_TOKEN)."""

    filter: Filter
    condition: Condition
    negated: bool

    def __repr__(self) -> str:
        return f"Term({self.filter!r})"


def _refuse(f: Filter, message: str) -> ValidationError:
    return ValidationError({f.label: message})


def _from_epoch(definition: PropertyDefinition, value: Any) -> Any:
    """Milliseconds since the epoch (HubSpot's form) as ISO text; ISO datetimes as dates for a date."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is not None and _EPOCH_MS.fullmatch(text):
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(text))
        return moment.date().isoformat() if definition.data_type == T.DATE else moment.isoformat()
    if definition.data_type == T.DATETIME and text is not None and _DATE.fullmatch(text):
        return f"{text}T00:00:00+00:00"  # a day, as HubSpot takes it: its midnight in UTC
    if definition.data_type == T.DATE and text is not None and "T" in text:
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is not None:
            return (moment.astimezone(dt.UTC) if moment.tzinfo else moment).date().isoformat()
    return value


def _clean(f: Filter, definition: PropertyDefinition, value: Any, field: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _refuse(f, f"{f.operator.value} on {definition.label} ({definition.name}) needs {field}.")
    if definition.data_type in (T.DATE, T.DATETIME):
        try:
            value = _from_epoch(definition, value)
        except (OverflowError, ValueError):
            raise _refuse(f, f"{definition.label} ({definition.name}): {field} is out of range.") from None
    try:
        return clean_value(definition, value)
    except ValidationError as exc:
        raise _refuse(f, " ".join(exc.messages)) from None


def _pattern(f: Filter, definition: PropertyDefinition) -> str:
    value = f.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _refuse(f, f"{f.operator.value} on {definition.label} ({definition.name}) needs a value: a word.")
    words = pattern_words(value)
    if len(value) > MAX_PATTERN or not words or len(words) > MAX_PATTERN_WORDS:
        raise _refuse(
            f,
            f"{f.operator.value} on {definition.label} ({definition.name}) takes one to {MAX_PATTERN_WORDS} words "
            f"of at most {MAX_PATTERN} characters in all.",
        )
    return value.strip()


def filter_clean(f: Filter, definition: PropertyDefinition) -> None:
    """Raises the ValidationError (keyed by `f.where`) that compiling the filter would; a form's check."""
    term_of(f, definition)


def term_of(f: Filter, definition: PropertyDefinition) -> Term:
    """The filter as a Term on `definition`; a ValidationError naming the filter and the rule."""
    allowed = OPERATORS.get(definition.data_type, set())
    if f.operator not in allowed:
        fits = ", ".join(sorted(op.value for op in allowed))
        raise _refuse(
            f,
            f"{f.operator.value} does not apply to {definition.label} ({definition.name}), a "
            f"{definition.get_data_type_display().lower()} property; use {fits}.",
        )
    negated = f.operator in NEGATIONS
    operator = NEGATIONS.get(f.operator, f.operator)
    if operator == Op.HAS_PROPERTY:
        values: tuple = ()
    elif operator == Op.CONTAINS_TOKEN:
        values = (_pattern(f, definition),)
    elif operator == Op.IN:
        if not f.values:
            raise _refuse(f, f"{f.operator.value} on {definition.label} ({definition.name}) needs a list of values.")
        values = tuple(dict.fromkeys(_clean(f, definition, value, "values") for value in f.values))
    elif operator == Op.BETWEEN:
        values = (_clean(f, definition, f.value, "a value"), _clean(f, definition, f.high_value, "a highValue"))
    else:
        values = (_clean(f, definition, f.value, "a value"),)
    return Term(filter=f, condition=Condition(operator, values), negated=negated)
