import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from crm.models import PropertyDefinition
from crm.validation import clean_value, clean_values

T = PropertyDefinition.DataType


def _definition(data_type, **extra) -> PropertyDefinition:
    return PropertyDefinition(name="prop", label="Prop", data_type=data_type, **extra)


COLOURS = [{"value": "red", "label": "Red"}, {"value": "blue", "label": "Blue"}]


@pytest.mark.parametrize(
    ("_case", "data_type", "given", "stored"),
    [
        ("text", T.STRING, "  Ada  ", "Ada"),
        ("integer", T.NUMBER, "1,200", 1200),
        ("decimal", T.NUMBER, "12.5", 12.5),
        ("native_number", T.NUMBER, 7, 7),
        ("date", T.DATE, "2026-02-28", "2026-02-28"),
        ("date_object", T.DATE, dt.date(2026, 1, 2), "2026-01-02"),
        ("datetime_utc", T.DATETIME, "2026-02-28T10:00:00+02:00", "2026-02-28T08:00:00+00:00"),
        ("naive_datetime_is_utc", T.DATETIME, "2026-02-28 10:00", "2026-02-28T10:00:00+00:00"),
        ("bool_word", T.BOOL, "Yes", True),
        ("bool_native", T.BOOL, False, False),
        ("option_value", T.ENUMERATION, "red", "red"),
        ("option_label", T.ENUMERATION, "blue", "blue"),
        ("option_label_any_case", T.ENUMERATION, "BLUE", "blue"),
        ("empty_means_no_value", T.NUMBER, "", None),
    ],
)
def test_it_stores_valid_values_in_their_canonical_form(_case, data_type, given, stored):
    assert clean_value(_definition(data_type, options=COLOURS), given) == stored


@pytest.mark.parametrize(
    ("_case", "data_type", "given", "message"),
    [
        ("not_a_number", T.NUMBER, "12abc", "must be a number"),
        ("nan", T.NUMBER, "NaN", "must be a finite number"),
        ("infinity", T.NUMBER, "-inf", "must be a finite number"),
        ("too_large", T.NUMBER, "1e309", "is too large to store"),
        ("bool_is_not_a_number", T.NUMBER, True, "must be a number"),
        ("bad_date", T.DATE, "2026-02-30", "must be a date"),
        ("date_with_time", T.DATE, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "without a time"),
        ("bad_datetime", T.DATETIME, "yesterday", "must be a date and time"),
        ("bad_bool", T.BOOL, "maybe", "must be yes or no"),
        ("unknown_option", T.ENUMERATION, "green", "must be one of the options (red, blue)"),
        ("list_as_text", T.STRING, ["a"], "must be text"),
    ],
)
def test_it_names_the_property_in_each_error(_case, data_type, given, message):
    with pytest.raises(ValidationError) as error:
        clean_value(_definition(data_type, options=COLOURS), given)

    text = error.value.message_dict["prop"][0]
    assert text.startswith("Prop (prop): ")
    assert message in text


def test_it_collects_every_error_and_rejects_unknown_properties():
    definitions = {"amount": PropertyDefinition(name="amount", label="Amount", data_type=T.NUMBER)}

    with pytest.raises(ValidationError) as error:
        clean_values(definitions, {"amount": "lots", "colour": "red"}, object_label="Deals")

    assert set(error.value.message_dict) == {"amount", "colour"}
    assert error.value.message_dict["colour"] == ["Deals have no property named 'colour'."]


def test_it_requires_required_values():
    definitions = {"name": PropertyDefinition(name="name", label="Name", data_type=T.STRING, required=True)}

    with pytest.raises(ValidationError) as error:
        clean_values(definitions, {"name": "  "}, object_label="Companies", require={"name"})

    assert error.value.message_dict["name"] == ["Name (name): a value is required."]
