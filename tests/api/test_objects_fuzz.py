"""No body, id or query of the object and batch endpoints makes a 500: every refusal is a 4xx in HubSpot's shape."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import HIGHLY_SENSITIVE_CONTACTS

pytestmark = pytest.mark.django_db

NAMES = st.sampled_from(
    [
        "firstname",
        "email",
        "annual_salary",
        "diagnosis",
        "gov_id",
        "hs_object_id",
        "hubspot_owner_id",
        "lifecyclestage",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), st.just("1577836800000")
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
PROPERTIES = st.one_of(st.dictionaries(NAMES, SCALARS, max_size=4), JSON)
ID = st.one_of(st.integers(min_value=-5, max_value=10**20), st.text(max_size=12), st.none(), st.booleans())
INPUT = st.fixed_dictionaries(
    {},
    optional={
        "id": ID,
        "idProperty": st.sampled_from(["email", "firstname", "annual_salary", "hs_object_id", ""]) | JSON,
        "properties": PROPERTIES,
        "associations": JSON
        | st.just(
            [{"to": {"id": "1"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]
        ),
    },
)
BODY = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"inputs": st.lists(INPUT, max_size=4)},
        optional={"properties": st.lists(NAMES, max_size=3) | JSON, "idProperty": NAMES | JSON},
    ),
    INPUT,
)
PATHS = st.sampled_from(
    [
        ("post", "/crm/v3/objects/contacts"),
        ("patch", "/crm/v3/objects/contacts/{id}"),
        ("post", "/crm/v3/objects/contacts/batch/read"),
        ("post", "/crm/v3/objects/contacts/batch/create"),
        ("post", "/crm/v3/objects/contacts/batch/update"),
        ("post", "/crm/v3/objects/contacts/batch/upsert"),
        ("post", "/crm/v3/objects/contacts/batch/archive"),
    ]
)


@pytest.fixture
def api(api_for, tenant_a):
    tenant_a.api_burst_per_10_seconds = 1_000_000  # the examples come faster than any app's burst limit
    tenant_a.save(update_fields=["api_burst_per_10_seconds"])
    return api_for(HIGHLY_SENSITIVE_CONTACTS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=PATHS, body=BODY)
def test_no_body_makes_a_500(api, rosalind, call, body):
    method, path = call
    response = getattr(api, method)(path.format(id=rosalind.number), body)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.data["status"] == "error" and response.data["category"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    object_id=st.text(max_size=30),
    params=st.dictionaries(
        st.sampled_from(["properties", "associations", "archived", "idProperty", "limit", "after"]),
        st.text(max_size=30),
        max_size=4,
    ),
)
def test_no_query_makes_a_500(api, rosalind, object_id, params):
    params = {name: value.replace("\x00", "") for name, value in params.items()}
    for path in (
        "/crm/v3/objects/contacts",
        f"/crm/v3/objects/contacts/{object_id.replace('/', '').replace(chr(0), '')}",
    ):
        response = api.get(path, params)
        assert response.status_code < 500, (path, params)
