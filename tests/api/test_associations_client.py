"""HubSpot's own Python client (hubspot-api-client) drives the v4 associations API of a live server:
changing its host and token is all an integration does."""

from __future__ import annotations

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import AssociationSpec, BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.associations.v4.exceptions import ApiException

from tests.factories import make_record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hubspot_for(live_server, make_app):
    """hubspot_for(scopes) -> (basic_api, batch_api) of HubSpot's client, with a new app's token."""
    opened = []

    def make(scopes):
        _, token = make_app(scopes)
        # Every key of the client's config is set on each API's Configuration: `host` is the base URL.
        v4 = HubSpot(access_token=token, host=live_server.url, retry=None).crm.associations.v4
        apis = (v4.basic_api, v4.batch_api)  # each access makes a new API client: keep these two
        opened.extend(apis)
        return apis

    yield make
    for api in opened:  # their kept-alive connections would hold the live server's database sessions
        api.api_client.rest_client.pool_manager.clear()


def test_hubspots_client_links_lists_batch_reads_and_unlinks(hubspot_for, tenant_a_admin, alan, companies_a):
    acme = make_record(tenant_a_admin, companies_a, name="Acme Corp")
    basic, batch = hubspot_for(
        ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.companies.read"]
    )

    created = basic.create_default("contacts", str(alan.number), "companies", str(acme.number))
    assert created.status == "COMPLETE" and created.results[0].association_spec.association_type_id == 279

    labelled = basic.create(
        "contacts",
        str(alan.number),
        "companies",
        str(acme.number),
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)],
    )
    assert labelled.labels == ["Primary"] and labelled.to_object_id == str(acme.number)

    page = basic.get_page("contacts", str(alan.number), "companies", limit=10)
    assert [item.to_object_id for item in page.results] == [str(acme.number)]
    assert [t.type_id for t in page.results[0].association_types] == [279, 1]

    batch = batch.get_page(
        "contacts", "companies", BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(alan.number)}])
    )
    assert batch.results[0].to[0].to_object_id == str(acme.number)

    basic.archive("contacts", str(alan.number), "companies", str(acme.number))
    assert basic.get_page("contacts", str(alan.number), "companies").results == []


def test_hubspots_client_sees_a_missing_scope_as_a_403(hubspot_for, alan):
    basic, _ = hubspot_for(["crm.objects.contacts.read"])
    with pytest.raises(ApiException) as raised:
        basic.get_page("contacts", str(alan.number), "companies")
    assert raised.value.status == 403
