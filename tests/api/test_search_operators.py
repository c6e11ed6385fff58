"""Every search operator on every data type, through POST /crm/v3/objects/contacts/search, each on
three copies of one property: plain (SQL), sensitive with a blind index, and sensitive without one
(decrypted in memory). The three must give the same records."""

from __future__ import annotations

import pytest

from crm.models import PropertyDefinition
from crm.records import services as record_services
from tests.api.conftest import SENSITIVE_CONTACTS
from tests.factories import make_property

pytestmark = pytest.mark.django_db

S = PropertyDefinition.Sensitivity
OPTIONS = [{"value": "x", "label": "X-ray"}, {"value": "y", "label": "Yankee"}, {"value": "z", "label": "Zulu"}]
# Records A, B and C hold these values of each type; D holds none.
VALUES = {
    "string": ("Ada Lovelace", "ada@hubspot.com", "Grace, hopper."),
    "number": (10, 2.5, -3),
    "date": ("2024-01-31", "2025-06-01", "1999-12-31"),
    "datetime": ("2024-01-31T10:00:00Z", "2024-01-31T10:00:00.500Z", "2030-05-05T00:00:00Z"),
    "bool": (True, False, True),
    "enumeration": ("x", "y", "z"),
    "file": ("attachment-1", "attachment-2", "attachment-3"),
}
COPIES = {
    "plain": {},
    "indexed": {"sensitivity": S.SENSITIVE, "searchable": True},
    "decrypted": {"sensitivity": S.SENSITIVE},
}
MIDNIGHT_2024_01_31 = "1706659200000"  # milliseconds since the epoch, as HubSpot sends dates
TEN_OCLOCK_2024_01_31 = "1706695200000"

CASES = [
    # (data type, filter without propertyName, records that match)
    ("string", {"operator": "EQ", "value": "ada LOVELACE"}, "A"),
    ("string", {"operator": "NEQ", "value": "Ada Lovelace"}, "BCD"),
    ("string", {"operator": "IN", "values": ["ADA@hubspot.com", "nobody"]}, "B"),
    ("string", {"operator": "NOT_IN", "values": ["ada lovelace", "grace, hopper."]}, "BD"),
    ("string", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("string", {"operator": "NOT_HAS_PROPERTY"}, "D"),
    ("string", {"operator": "CONTAINS_TOKEN", "value": "lovelace"}, "A"),
    ("string", {"operator": "CONTAINS_TOKEN", "value": "*@hubspot.com"}, "B"),
    ("string", {"operator": "CONTAINS_TOKEN", "value": "HOP*"}, "C"),
    ("string", {"operator": "CONTAINS_TOKEN", "value": "grace hopper"}, "C"),
    ("string", {"operator": "CONTAINS_TOKEN", "value": "*a*"}, "ABC"),
    ("string", {"operator": "NOT_CONTAINS_TOKEN", "value": "ada"}, "BCD"),
    ("number", {"operator": "EQ", "value": "10"}, "A"),
    ("number", {"operator": "EQ", "value": 2.5}, "B"),
    ("number", {"operator": "NEQ", "value": "10"}, "BCD"),
    ("number", {"operator": "LT", "value": "2.5"}, "C"),
    ("number", {"operator": "LTE", "value": "2.5"}, "BC"),
    ("number", {"operator": "GT", "value": "2.5"}, "A"),
    ("number", {"operator": "GTE", "value": "-3"}, "ABC"),
    ("number", {"operator": "BETWEEN", "value": "-3", "highValue": "2.5"}, "BC"),
    ("number", {"operator": "IN", "values": ["10", "-3", "7"]}, "AC"),
    ("number", {"operator": "NOT_IN", "values": ["10"]}, "BCD"),
    ("number", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("number", {"operator": "NOT_HAS_PROPERTY"}, "D"),
    ("date", {"operator": "EQ", "value": "2024-01-31"}, "A"),
    ("date", {"operator": "EQ", "value": MIDNIGHT_2024_01_31}, "A"),
    ("date", {"operator": "NEQ", "value": "2024-01-31"}, "BCD"),
    ("date", {"operator": "LT", "value": "2024-01-31"}, "C"),
    ("date", {"operator": "LTE", "value": "2024-01-31"}, "AC"),
    ("date", {"operator": "GT", "value": MIDNIGHT_2024_01_31}, "B"),
    ("date", {"operator": "GTE", "value": "2024-01-31T12:00:00Z"}, "AB"),
    ("date", {"operator": "BETWEEN", "value": "2000-01-01", "highValue": "2024-12-31"}, "A"),
    ("date", {"operator": "IN", "values": ["2025-06-01", "1999-12-31"]}, "BC"),
    ("date", {"operator": "NOT_IN", "values": ["2025-06-01"]}, "ACD"),
    ("date", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("date", {"operator": "NOT_HAS_PROPERTY"}, "D"),
    ("datetime", {"operator": "EQ", "value": "2024-01-31T10:00:00Z"}, "A"),
    ("datetime", {"operator": "EQ", "value": TEN_OCLOCK_2024_01_31}, "A"),
    ("datetime", {"operator": "NEQ", "value": "2024-01-31T11:00:00+01:00"}, "BCD"),
    ("datetime", {"operator": "LT", "value": "2024-01-31T10:00:00.400Z"}, "A"),
    ("datetime", {"operator": "LTE", "value": "2024-01-31T10:00:00.500Z"}, "AB"),
    ("datetime", {"operator": "GT", "value": TEN_OCLOCK_2024_01_31}, "BC"),
    ("datetime", {"operator": "GTE", "value": "2024-01-31"}, "ABC"),
    ("datetime", {"operator": "BETWEEN", "value": "2024-01-31T10:00:00.1Z", "highValue": "2031-01-01"}, "BC"),
    ("datetime", {"operator": "IN", "values": ["2030-05-05T00:00:00Z", "2024-01-31T10:00:00Z"]}, "AC"),
    ("datetime", {"operator": "NOT_IN", "values": ["2030-05-05T00:00:00Z"]}, "ABD"),
    ("datetime", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("datetime", {"operator": "NOT_HAS_PROPERTY"}, "D"),
    ("bool", {"operator": "EQ", "value": "true"}, "AC"),
    ("bool", {"operator": "EQ", "value": False}, "B"),
    ("bool", {"operator": "NEQ", "value": "true"}, "BD"),
    ("bool", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("bool", {"operator": "NOT_HAS_PROPERTY"}, "D"),
    ("enumeration", {"operator": "EQ", "value": "x"}, "A"),
    ("enumeration", {"operator": "EQ", "value": "Zulu"}, "C"),  # a label stands for its option
    ("enumeration", {"operator": "NEQ", "value": "y"}, "ACD"),
    ("enumeration", {"operator": "IN", "values": ["x", "z"]}, "AC"),
    ("enumeration", {"operator": "NOT_IN", "values": ["x"]}, "BCD"),
    ("enumeration", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("enumeration", {"operator": "NOT_HAS_PROPERTY"}, "D"),
    ("file", {"operator": "HAS_PROPERTY"}, "ABC"),
    ("file", {"operator": "NOT_HAS_PROPERTY"}, "D"),
]

REFUSED = [
    ("string", "LT"),
    ("string", "BETWEEN"),
    ("number", "CONTAINS_TOKEN"),
    ("number", "NOT_CONTAINS_TOKEN"),
    ("date", "CONTAINS_TOKEN"),
    ("datetime", "NOT_CONTAINS_TOKEN"),
    ("bool", "LT"),
    ("bool", "GTE"),
    ("bool", "BETWEEN"),
    ("bool", "IN"),
    ("bool", "CONTAINS_TOKEN"),
    ("enumeration", "GT"),
    ("enumeration", "CONTAINS_TOKEN"),
    ("file", "EQ"),
    ("file", "CONTAINS_TOKEN"),
]


@pytest.fixture(autouse=True)
def _no_search_limit(settings):
    settings.API_SEARCH_PER_SECOND = 10_000


@pytest.fixture
def records_of(tenant_a_admin, contacts_a):
    """records_of(data type) -> {record name: id}: A, B and C hold VALUES[type] in all three copies."""

    def make(data_type: str) -> dict[str, str]:
        for copy, options in COPIES.items():
            extra = {"options": OPTIONS} if data_type == "enumeration" else {}
            make_property(tenant_a_admin, contacts_a, f"{copy}_{data_type}", data_type=data_type, **options, **extra)
        rows = [
            {"firstname": name, **{f"{copy}_{data_type}": value for copy in COPIES}}
            for name, value in zip("ABC", VALUES[data_type], strict=True)
        ]
        made = record_services.records_bulk_create(
            actor=tenant_a_admin, object_type=contacts_a, rows=[*rows, {"firstname": "D"}]
        )
        return {record.properties["firstname"]: str(record.number) for record in made}

    return make


def _found(api, numbers: dict[str, str], data_type: str, copy: str, spec: dict) -> str:
    body = {"filterGroups": [{"filters": [{"propertyName": f"{copy}_{data_type}", **spec}]}], "limit": 100}
    response = api.post("/crm/v3/objects/contacts/search", body)
    assert response.status_code == 200, response.data
    names = {number: name for name, number in numbers.items()}
    found = "".join(sorted(names[result["id"]] for result in response.data["results"]))
    assert response.data["total"] == len(found)
    return found


@pytest.mark.parametrize(
    ("data_type", "spec", "expected"), CASES, ids=[f"{t}-{s['operator']}-{i}" for i, (t, s, _) in enumerate(CASES)]
)
def test_each_operator_finds_the_same_records_in_sql_by_blind_index_and_in_memory(
    api_for, records_of, data_type, spec, expected
):
    # given
    numbers = records_of(data_type)
    api = api_for(SENSITIVE_CONTACTS)

    # when
    found = {copy: _found(api, numbers, data_type, copy, spec) for copy in COPIES}

    # then
    assert found == dict.fromkeys(COPIES, expected)


@pytest.mark.parametrize(("data_type", "operator"), REFUSED)
def test_an_operator_that_does_not_fit_the_type_is_a_400_naming_the_filter(
    api_for, tenant_a_admin, contacts_a, data_type, operator
):
    extra = {"options": OPTIONS} if data_type == "enumeration" else {}
    make_property(
        tenant_a_admin, contacts_a, "thing", data_type=data_type, sensitivity=S.SENSITIVE, searchable=True, **extra
    )
    spec = {"propertyName": "thing", "operator": operator, "value": "1", "highValue": "2"}

    response = api_for(SENSITIVE_CONTACTS).post(
        "/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": [spec]}]}
    )

    assert response.status_code == 400
    (error,) = response.data["errors"]
    assert error["in"] == "filterGroups[0].filters[0]"
    assert f"{operator} does not apply to Thing (thing)" in error["message"]
