"""HubSpot's own Python client (hubspot-api-client) against a live server: only the base URL and the token change.

The client checks the bodies it reads against its models (required fields, enumerations), so these
calls fail if a body leaves out a field HubSpot always sends.
"""

from __future__ import annotations

import socket
import threading

import pytest
from hubspot import HubSpot
from hubspot.crm.owners import ApiException as OwnersApiException
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import (
    BatchReadInputPropertyName,
    OptionInput,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyName,
    PropertyUpdate,
)
from hubspot.crm.schemas import (
    ObjectSchemaEgg,
    ObjectTypeDefinitionLabels,
    ObjectTypeDefinitionPatch,
    ObjectTypePropertyCreate,
)
from hubspot.discovery.discovery_base import DiscoveryBase

from crm.models import ObjectType, PropertyDefinition

pytestmark = pytest.mark.django_db(transaction=True)

SCOPES = [
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
    "crm.objects.contacts.sensitive.read",
    "crm.objects.contacts.sensitive.write",
    "crm.objects.owners.read",
]


@pytest.fixture
def hubspot(live_server, make_app):
    """The client with the live server as its host.

    At the end its kept-alive connections are shut down, so that the server's threads for them, each
    with a database connection of its own, end before the test database is dropped (a plain close
    waits for every response object still holding the socket).
    """
    _, token = make_app(SCOPES, name="HubSpot client")
    made = []

    def factory(package, name, config):
        api = DiscoveryBase._default_api_factory(package, name, config)
        made.append(api.api_client.rest_client.pool_manager)
        return api

    yield HubSpot(access_token=token, host=live_server.url, api_factory=factory)
    for pool_manager in made:
        for pool in list(pool_manager.pools._container.values()):
            for connection in [c for c in list(pool.pool.queue if pool.pool else []) if c is not None and c.sock]:
                connection.sock.shutdown(socket.SHUT_RDWR)
        pool_manager.clear()
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)


def test_the_client_reads_and_changes_properties_and_groups(hubspot, contacts_a, salary):
    properties = hubspot.crm.properties
    names = {p.name for p in properties.core_api.get_all("contacts").results}
    assert {"email", "hs_object_id"} <= names and "annual_salary" not in names

    group = properties.groups_api.create("contacts", PropertyGroupCreate(name="billing", label="Billing"))
    assert (group.name, group.archived) == ("billing", False)
    created = properties.core_api.create(
        "contacts",
        PropertyCreate(
            name="plan",
            label="Plan",
            type="enumeration",
            field_type="select",
            group_name="billing",
            options=[OptionInput(label="Free", value="free", hidden=False, display_order=0)],
        ),
    )
    assert created.options[0].value == "free" and created.group_name == "billing"
    updated = properties.core_api.update("contacts", "plan", PropertyUpdate(label="Price plan"))
    assert updated.label == "Price plan"
    read = properties.batch_api.read(
        "contacts", BatchReadInputPropertyName(archived=False, inputs=[PropertyName(name="plan")])
    )
    assert [p.name for p in read.results] == ["plan"]
    properties.core_api.archive("contacts", "plan")
    assert PropertyDefinition.objects.get(object_type=contacts_a, name="plan").archived_at is not None
    with pytest.raises(PropertiesApiException) as refused:
        properties.core_api.get_by_name("contacts", "plan")
    assert refused.value.status == 404


def test_the_client_makes_and_changes_a_custom_schema(hubspot, tenant_a):
    schemas = hubspot.crm.schemas.core_api
    created = schemas.create(
        ObjectSchemaEgg(
            name="pets",
            labels=ObjectTypeDefinitionLabels(singular="Pet", plural="Pets"),
            primary_display_property="pet_name",
            required_properties=["pet_name"],
            properties=[ObjectTypePropertyCreate(name="pet_name", label="Name", type="string", field_type="text")],
            associated_objects=["CONTACT"],
        )
    )
    assert created.object_type_id.startswith("2-") and created.fully_qualified_name.endswith("_pets")
    assert [a.to_object_type_id for a in created.associations] == ["0-1"]
    assert [s.name for s in schemas.get_all().results] == ["pets"]
    assert schemas.get_by_id(created.fully_qualified_name).labels.plural == "Pets"
    patched = schemas.update(
        created.object_type_id,
        ObjectTypeDefinitionPatch(labels=ObjectTypeDefinitionLabels(singular="Animal", plural="Animals")),
    )
    assert patched.labels.singular == "Animal"
    schemas.archive("pets")
    assert ObjectType.objects.get(tenant=tenant_a, name="pets").archived_at is not None


def test_the_client_pages_through_owners(hubspot, tenant_a_admin, member_a):
    owners = hubspot.crm.owners.owners_api
    first = owners.get_page(limit=1)
    assert [o.email for o in first.results] == ["ada@acme.test"] and first.paging.next.after
    second = owners.get_page(limit=1, after=first.paging.next.after)
    assert [o.email for o in second.results] == ["max@acme.test"]
    assert owners.get_by_id(int(second.results[0].id)).teams == []
    with pytest.raises(OwnersApiException) as missing:
        owners.get_by_id(999_999_999)
    assert missing.value.status == 404
