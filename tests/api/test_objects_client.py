"""HubSpot's own Python client (hubspot-api-client) against a live server: only the base URL and the token change."""

from __future__ import annotations

import gc

import pytest
from hubspot.crm.objects import (
    ApiClient,
    BasicApi,
    BatchApi,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Configuration,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.exceptions import ApiException

from tests.api.conftest import WRITE_CONTACTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hubspot(live_server, make_app):
    _, token = make_app(WRITE_CONTACTS)
    configuration = Configuration(host=live_server.url)
    configuration.access_token = token
    client = ApiClient(configuration)
    yield BasicApi(client), BatchApi(client)
    # A kept-alive connection holds a live server thread, and its database session, until its socket is
    # closed; the client's last response and a caught ApiException (in a reference cycle) still hold it.
    client.last_response = None
    gc.collect()
    client.rest_client.pool_manager.clear()


def test_the_official_client_creates_reads_pages_updates_and_archives(hubspot, contacts_a):
    basic, batch = hubspot

    created = basic.create(
        "contacts", SimplePublicObjectInputForCreate(properties={"firstname": "Hub", "email": "h@s.test"})
    )
    assert created.id.isdigit() and created.properties["firstname"] == "Hub"

    made = batch.create(
        "contacts",
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[SimplePublicObjectBatchInputForCreate(properties={"firstname": f"B{i}"}) for i in range(3)]
        ),
    )
    assert made.status == "COMPLETE" and len(made.results) == 3

    first = basic.get_page("contacts", limit=2, properties=["firstname"])
    assert [o.properties["firstname"] for o in first.results] == ["Hub", "B0"]
    second = basic.get_page("contacts", limit=2, after=first.paging.next.after, properties=["firstname"])
    assert [o.properties["firstname"] for o in second.results] == ["B1", "B2"]
    assert second.paging is None

    read = batch.read(
        "contacts",
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=created.id), SimplePublicObjectId(id="999999999")],
            properties=["email"],
            properties_with_history=[],
        ),
    )
    assert read.num_errors == 1 and read.errors[0].context == {"ids": ["999999999"]}
    assert read.results[0].properties["email"] == "h@s.test"

    changed = basic.update(
        "contacts", "h@s.test", SimplePublicObjectInput(properties={"lastname": "Spot"}), id_property="email"
    )
    assert changed.properties["lastname"] == "Spot"

    basic.archive("contacts", created.id)
    batch.archive(
        "contacts", BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=r.id) for r in made.results])
    )
    with pytest.raises(ApiException) as refused:
        basic.get_by_id("contacts", created.id)
    assert refused.value.status == 404
    assert basic.get_by_id("contacts", created.id, archived=True).archived is True
