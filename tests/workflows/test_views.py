"""The staff UI of lists: the builder, the index and a list's page with its members masked per viewer."""

import pytest
from django.urls import reverse

from tests.workflows.conftest import CANARY
from workflows.models import List

pytestmark = pytest.mark.django_db(transaction=True)


def _build(client, **rows):
    data = {"name": "Canaries", "object_type": "contacts", "kind": "active", **rows}
    return client.post(reverse("list_create"), data)


def test_the_builder_makes_an_active_list_and_its_page_shows_the_members(admin_client, people):
    response = _build(admin_client, property_0="nickname", operator_0="EQ", value_0=CANARY, group_0="1")

    the_list = List.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("list_detail", args=[the_list.number])
    page = admin_client.get(response["Location"]).content.decode()
    assert "2 members" in page and people[1].display_name in page and people[3].display_name in page
    assert people[0].display_name not in page
    index = admin_client.get(reverse("list_index")).content.decode()
    assert "Canaries" in index and CANARY not in index


def test_the_builder_refuses_a_highly_sensitive_property_and_echoes_no_value(admin_client, diagnosis):
    response = _build(admin_client, property_0="diagnosis", operator_0="EQ", value_0="asthma")

    assert response.status_code == 400
    page = response.content.decode()
    assert "can&#x27;t be used in lists" in page and "asthma" not in page.split("</h1>")[1].split("<form")[0]
    assert not List.objects.exists()


def test_a_members_sensitive_values_are_masked_for_a_viewer_without_the_grant(
    admin_client, client, member_a, tenant_a_admin, contacts_a, people
):
    from workflows import services

    the_list = services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Everyone")
    services.list_members_add(actor=tenant_a_admin, the_list=the_list, records=people)
    client.force_login(member_a)

    page = client.get(reverse("list_detail", args=[the_list.number])).content.decode()

    assert "5 members" in page and CANARY not in page
    assert client.get(reverse("list_detail", args=[the_list.number + 10_000])).status_code == 404
