"""Property values checked against their definitions: the one place that knows each data type.

No message echoes the value it refuses, sensitive or not: errors end up in pages, logs, API
responses and error reports, so they name the property and the rule (ARCHITECTURE.md rule 9).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime

from crm.models import PropertyDefinition

DataType = PropertyDefinition.DataType
MAX_STRING_LENGTH = 65_535
# Numbers are stored as 64-bit integers or as doubles: beyond this, a double is infinity.
MAX_NUMBER = sys.float_info.max
TRUE_WORDS = {"true", "yes", "1", "on", "y"}
FALSE_WORDS = {"false", "no", "0", "off", "n"}


class _Invalid(Exception):
    pass


def _clean_string(value: Any, definition: PropertyDefinition) -> str:
    if not isinstance(value, (str, int, float, Decimal)) or isinstance(value, bool):
        raise _Invalid("must be text")
    text = str(value).strip()
    if len(text) > MAX_STRING_LENGTH:
        raise _Invalid(f"is longer than {MAX_STRING_LENGTH} characters")
    return text


def _clean_number(value: Any, definition: PropertyDefinition) -> int | float:
    if isinstance(value, bool):
        raise _Invalid("must be a number")
    try:
        number = Decimal(str(value).strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise _Invalid("must be a number, such as 52000 or 1250.50") from None
    if not number.is_finite():
        raise _Invalid("must be a finite number (not infinity, nor NaN)")
    if number == number.to_integral_value() and abs(number) < 2**63:
        return int(number)
    as_float = float(number)
    if math.isinf(as_float):
        raise _Invalid(f"is too large to store (numbers go up to about ±{MAX_NUMBER:.1e})")
    return as_float


def _clean_date(value: Any, definition: PropertyDefinition) -> str:
    if isinstance(value, dt.datetime):
        raise _Invalid("must be a date without a time")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise _Invalid("must be a date (use YYYY-MM-DD)")
    return parsed.isoformat()


def _clean_datetime(value: Any, definition: PropertyDefinition) -> str:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise _Invalid("must be a date and time (use ISO 8601, e.g. 2026-01-31T14:30:00Z)")
    if parsed.tzinfo is None:
        # Values without an offset are taken as UTC, the time zone everything is stored in.
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).isoformat()


def _clean_bool(value: Any, definition: PropertyDefinition) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _Invalid("must be yes or no")


def _clean_enumeration(value: Any, definition: PropertyDefinition) -> str:
    text = str(value).strip()
    if text in definition.option_values:
        return text
    # Imports and people often give the label; accept it and store the value.
    for option in definition.options:
        if option["label"].lower() == text.lower():
            return option["value"]
    allowed = ", ".join(definition.option_values[:20])
    raise _Invalid(f"must be one of the options ({allowed})")


def _clean_file(value: Any, definition: PropertyDefinition) -> str:
    # A reference to a stored attachment; the attachments issue gives it its real shape.
    return _clean_string(value, definition)


CLEANERS = {
    DataType.STRING: _clean_string,
    DataType.NUMBER: _clean_number,
    DataType.DATE: _clean_date,
    DataType.DATETIME: _clean_datetime,
    DataType.BOOL: _clean_bool,
    DataType.ENUMERATION: _clean_enumeration,
    DataType.FILE: _clean_file,
}


def _clean(definition: PropertyDefinition, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return CLEANERS[definition.data_type](value, definition)


def clean_value(definition: PropertyDefinition, value: Any) -> Any:
    """One value, cleaned to its stored form; None (or empty text) means "no value"."""
    try:
        return _clean(definition, value)
    except _Invalid as exc:
        raise ValidationError({definition.name: f"{definition.label} ({definition.name}): {exc}."}) from None


def value_validator(definition: PropertyDefinition) -> Callable[[Any], None]:
    """These same rules as a form field's validator (staff UI and admin), so that a value the save would
    refuse is an error next to its field; the message is the rule alone, the field shows the label."""

    def validate(value: Any) -> None:
        try:
            _clean(definition, value)
        except _Invalid as exc:
            raise ValidationError(f"This value {exc}.", code="invalid") from None

    return validate


def clean_values(
    definitions: Mapping[str, PropertyDefinition],
    values: Mapping[str, Any],
    *,
    object_label: str,
    require: Iterable[str] = (),
) -> dict[str, Any]:
    """Clean many values at once; every error is collected, keyed by property name."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        definition = definitions.get(name)
        if definition is None:
            errors[name] = [f"{object_label} have no property named {str(name)[:63]!r}."]
            continue
        try:
            cleaned[name] = clean_value(definition, value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for name in require:
        if cleaned.get(name) is None and name not in errors:
            label = definitions[name].label
            errors[name] = [f"{label} ({name}): a value is required."]
    if errors:
        raise ValidationError(errors)
    return cleaned
