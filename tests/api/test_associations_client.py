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
    def make(scopes):
        _, token = make_app(scopes)
        # Every key of the client's config is set on each API's Configuration: `host` is the base URL.
        return HubSpot(access_token=token, host=live_server.url, retry=None).crm.associations.v4

    return make


def test_hubspots_client_links_lists_batch_reads_and_unlinks(hubspot_for, tenant_a_admin, alan, companies_a):
    acme = make_record(tenant_a_admin, companies_a, name="Acme Corp")
    v4 = hubspot_for(["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.companies.read"])

    created = v4.basic_api.create_default("contacts", str(alan.number), "companies", str(acme.number))
    assert created.status == "COMPLETE" and created.results[0].association_spec.association_type_id == 279

    labelled = v4.basic_api.create(
        "contacts",
        str(alan.number),
        "companies",
        str(acme.number),
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)],
    )
    assert labelled.labels == ["Primary"] and labelled.to_object_id == str(acme.number)

    page = v4.basic_api.get_page("contacts", str(alan.number), "companies", limit=10)
    assert [item.to_object_id for item in page.results] == [str(acme.number)]
    assert [t.type_id for t in page.results[0].association_types] == [279, 1]

    batch = v4.batch_api.get_page(
        "contacts", "companies", BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(alan.number)}])
    )
    assert batch.results[0].to[0].to_object_id == str(acme.number)

    v4.basic_api.archive("contacts", str(alan.number), "companies", str(acme.number))
    assert v4.basic_api.get_page("contacts", str(alan.number), "companies").results == []


def test_hubspots_client_sees_a_missing_scope_as_a_403(hubspot_for, alan):
    v4 = hubspot_for(["crm.objects.contacts.read"])
    with pytest.raises(ApiException) as raised:
        v4.basic_api.get_page("contacts", str(alan.number), "companies")
    assert raised.value.status == 403
