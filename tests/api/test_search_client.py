"""HubSpot's own Python client searches our server with only the base URL and the token changed."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from hubspot import HubSpot
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.contacts.exceptions import ApiException

from crm.records import services as record_services
from tests.api.conftest import SENSITIVE_CONTACTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def search_api(live_server, monkeypatch):
    """search_api(token) -> the client's contacts search API, on our live server."""
    # The server's request threads close their database sessions when done, so that none outlives the test.
    monkeypatch.setitem(connections.settings[DEFAULT_DB_ALIAS], "CONN_MAX_AGE", 0)
    made = []

    def make(token: str):
        made.append(HubSpot(access_token=token, host=live_server.url).crm.contacts.search_api)
        return made[-1]

    yield make
    for api in made:  # its kept-alive connections would hold the server thread's database session
        api.api_client.rest_client.pool_manager.clear()


def test_hubspots_client_searches_and_pages(search_api, make_app, tenant_a_admin, contacts_a, salary, settings):
    settings.API_SEARCH_PER_SECOND = 1_000
    rows = [{"firstname": f"P{n}", "annual_salary": 1_000 * n} for n in range(5)]
    record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)
    _, token = make_app(SENSITIVE_CONTACTS)
    api = search_api(token)
    wanted = Filter(property_name="annual_salary", operator="GTE", value="2000")
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[wanted])],
        sorts=["-annual_salary"],
        properties=["firstname", "annual_salary"],
        limit=2,
    )

    first = api.do_search(public_object_search_request=request)
    request.after = first.paging.next.after
    second = api.do_search(public_object_search_request=request)

    assert first.total == 3
    assert [result.properties["firstname"] for result in first.results + second.results] == ["P4", "P3", "P2"]
    assert second.paging is None


def test_hubspots_client_gets_a_refusal_it_can_read(search_api, make_app, salary):
    _, token = make_app(["crm.objects.contacts.read"])
    api = search_api(token)
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="annual_salary", operator="HAS_PROPERTY")])]
    )

    with pytest.raises(ApiException) as error:
        api.do_search(public_object_search_request=request)

    assert error.value.status == 403 and '"category":"MISSING_SCOPES"' in error.value.body.replace(" ", "")
