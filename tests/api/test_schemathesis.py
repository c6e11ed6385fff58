"""schemathesis over our own OpenAPI schema, in-process against the WSGI app: for every operation
the schema lists, generated requests, valid and not, with a token holding every scope. No answer
may be a 500 and no documented answer may break its schema.

The operations come from the schema itself, so each endpoint is covered from the day it lands.
The schema is the one /api/schema/ serves (tests/api/test_docs.py), made by the same generator at
collection time: schemathesis' fixture-loaded schemas do not run on pytest 9.2 (they set
`Function._nodeid`, which pytest renamed). Path parameters are steered half of the time to what
exists (object types, record ids, property names), so that the answers are not all 400 and 404.
Examples are bounded and derandomized, so CI runs what runs here; SCHEMATHESIS_EXAMPLES raises
their number for a longer hunt.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.scopes import SCOPES
from tests.factories import make_record

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
OBJECT_TYPES = ["contacts", "companies", "deals", "tickets", "0-1", "0-2", "0-3", "0-5", "contact"]
PROPERTY_NAMES = ["firstname", "email", "annual_salary", "diagnosis", "gov_id", "name", "domain"]
EXISTING: dict[str, list[str]] = {"ids": ["1"]}  # record ids of the test's data, filled in by its fixture


def _our_schema():
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = WSGIHandler()  # requests go to the app in-process, as with from_wsgi
    return loaded


schema = _our_schema()


def _existing_for(name: str) -> list[str] | None:
    name = name.lower().replace("_", "")
    if name.endswith("type"):  # object_type, from_type, to_type...
        return OBJECT_TYPES
    if name.endswith("id"):  # object_id, from_id, to_id...
        return EXISTING["ids"]
    if name.endswith("propertyname"):
        return PROPERTY_NAMES
    return None


def _steered(generated: dict, existing_for) -> st.SearchStrategy:
    """What was generated, or (as often) the same with the names `existing_for` knows set to real values."""
    if not generated or not isinstance(generated, dict):  # None, {} or a negative case: nothing to steer
        return st.just(generated)
    real = {name: values for name in generated if (values := existing_for(name)) is not None}
    if not real:
        return st.just(generated)
    choices = {
        name: st.sampled_from(real[name]) if name in real else st.just(value) for name, value in generated.items()
    }
    return st.one_of(st.fixed_dictionaries(choices), st.just(generated))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _steered(path_parameters, _existing_for)


@schema.hook
def flatmap_query(context, query):
    names = [",".join(PROPERTY_NAMES[:3]), "annual_salary,diagnosis", "firstname", ""]
    return _steered(query, lambda name: names if name == "properties" else None)


@pytest.fixture
def same_connection():
    """Requests run in the test's transaction, as with Django's test client: a request's end must not
    close the connection the test holds open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def every_scope_token(make_app, tenant_a_admin, companies_a, alan, grace, rosalind) -> str:
    company = make_record(tenant_a_admin, companies_a, name="Acme Labs", domain="acme.test")
    EXISTING["ids"] = [str(record.number) for record in (alan, grace, rosalind, company)]
    return make_app(list(SCOPES))[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error_or_an_answer_outside_the_schema(case, same_connection, every_scope_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {every_scope_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
