"""Bad search input: each a 400 in HubSpot's error shape naming where the fault is, never echoing a
sensitive value, and no input at all a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import HIGHLY_SENSITIVE_CONTACTS

pytestmark = pytest.mark.django_db
SEARCH = "/crm/v3/objects/contacts/search"
SECRET = "078-05-1120"  # Grace's government id


@pytest.fixture(autouse=True)
def _no_search_limit(settings):
    settings.API_SEARCH_PER_SECOND = 10_000


@pytest.fixture
def api(api_for, grace, rosalind):
    return api_for(HIGHLY_SENSITIVE_CONTACTS)


def _one_filter(**spec) -> dict:
    return {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "EQ", **spec}]}]}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": 1.5}, "limit"),
        ({"limit": True}, "limit"),
        ({"after": "-1"}, "after"),
        ({"after": "abc"}, "after"),
        ({"after": "1.5"}, "after"),
        ({"after": "10000"}, "after"),
        ({"after": {"offset": 1}}, "after"),
        ({"after": "MTA="}, "after"),  # a cursor of another endpoint
        ({"after": "²"}, "after"),
        ({"limit": "²"}, "limit"),
        ({"query": 12}, "query"),
        ({"query": "x" * 3_001}, "query"),
        ({"query": "a\x00b"}, "query"),
        ({"properties": 5}, "properties"),
        ({"properties": ["firstname", 5]}, "properties"),
        ({"filterGroups": {"filters": []}}, "filterGroups"),
        ({"filterGroups": [{"filters": [{}] * 7}]}, "filterGroups[0]"),
        (
            {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "x"}]}] * 6},
            "filterGroups",
        ),
        (_one_filter(operator="LIKE", value="1"), "filterGroups[0].filters[0]"),
        (_one_filter(value=[1, 2]), "filterGroups[0].filters[0]"),
        (_one_filter(operator="BETWEEN", value="1"), "filterGroups[0].filters[0]"),
        (_one_filter(operator="IN", value="1"), "filterGroups[0].filters[0]"),
        (_one_filter(operator="CONTAINS_TOKEN", value="1"), "filterGroups[0].filters[0]"),
        (_one_filter(propertyName="nope", value="1"), "filterGroups[0].filters[0]"),
    ],
)
def test_bad_input_is_a_400_naming_where(api, body, where):
    response = api.post(SEARCH, body)

    assert response.status_code == 400, response.data
    assert response.data["status"] == "error" and response.data["category"] == "VALIDATION_ERROR"
    assert response.data["correlationId"]
    assert response.data["errors"][0]["in"] == where


@pytest.mark.parametrize("body", ["[]", '"text"', "{not json", "null"])
def test_a_body_that_is_no_json_object_is_a_400(api, body):
    response = api.post(SEARCH, body)

    assert response.status_code == 400 and response.data["category"] == "VALIDATION_ERROR"


def test_an_unknown_object_type_is_a_400_as_hubspots(api):
    response = api.post("/crm/v3/objects/spaceships/search", {})

    assert response.status_code == 400 and response.data["errors"][0]["code"] == "UNKNOWN_OBJECT_TYPE"


@pytest.mark.parametrize(
    "spec",
    [
        {"propertyName": "annual_salary", "operator": "EQ", "value": SECRET},
        {"propertyName": "annual_salary", "operator": "BETWEEN", "value": "1", "highValue": SECRET},
        {"propertyName": "diagnosis", "operator": "IN", "values": ["asthma", SECRET]},
        {"propertyName": "gov_id", "operator": "GT", "value": SECRET},
        {"propertyName": "createdate", "operator": "GT", "value": SECRET},
    ],
)
def test_an_error_never_echoes_the_value(api, spec):
    response = api.post(SEARCH, {"filterGroups": [{"filters": [spec]}]})

    assert response.status_code == 400
    assert "1120" not in response.content.decode()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
NAMES = st.sampled_from(["annual_salary", "diagnosis", "gov_id", "firstname", "createdate", "hs_object_id", "x"])
OPERATORS = st.sampled_from(["EQ", "NEQ", "LT", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "CONTAINS_TOKEN", "eq", ""])
FILTER = st.fixed_dictionaries(
    {"propertyName": NAMES | JSON, "operator": OPERATORS | JSON},
    optional={"value": JSON, "values": JSON, "highValue": JSON},
)
BODY = st.fixed_dictionaries(
    {},
    optional={
        "filterGroups": st.lists(st.fixed_dictionaries({"filters": st.lists(FILTER, max_size=3)}), max_size=3) | JSON,
        "sorts": st.lists(NAMES | JSON, max_size=2) | JSON,
        "query": st.text(max_size=20) | JSON,
        "properties": st.lists(NAMES, max_size=3) | JSON,
        "limit": st.integers(-5, 250) | JSON,
        "after": st.integers(-5, 20_000).map(str) | JSON,
    },
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODY)
def test_no_body_is_a_server_error(api, body):
    response = api.post(SEARCH, json.dumps(body))

    assert response.status_code in (200, 400, 403), (response.status_code, body)
    assert response.data["status"] == "error" if response.status_code != 200 else "results" in response.data
