"""/crm/v3/properties/{objectType}/groups: HubSpot's property groups, kept in step with the staff UI's headings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import PropertyDefinition, PropertyGroup
from tests.api.test_properties import READ, WRITE
from tests.factories import make_property

pytestmark = pytest.mark.django_db

G = "/crm/v3/properties/contacts/groups"


def test_the_standard_headings_are_groups_in_hubspots_shape(api_for):
    results = api_for(READ).get(G).data["results"]
    assert results == [
        {"name": "contactinformation", "label": "Contact information", "displayOrder": 0, "archived": False}
    ]
    deals = api_for(["crm.schemas.deals.read"]).get("/crm/v3/properties/deals/groups").data["results"]
    assert [g["name"] for g in deals] == ["dealinformation"]


def test_a_group_is_created_read_and_audited(make_app, contacts_a):
    from tests.api.conftest import ApiClient

    app, token = make_app(WRITE)
    api = ApiClient(token)
    response = api.post(G, {"name": "billing", "label": "Billing", "displayOrder": 3})
    assert response.status_code == 201, response.data
    assert response.data == {"name": "billing", "label": "Billing", "displayOrder": 3, "archived": False}
    assert api.get(f"{G}/billing").data["label"] == "Billing"
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED, actor=app.user).get()
    assert event.details == {"property_group": "billing", "changed": ["created"]}


@pytest.mark.parametrize(
    ("_case", "body", "status", "where"),
    [
        ("taken_name", {"name": "contactinformation", "label": "Other"}, 409, "name"),
        ("taken_label", {"name": "other", "label": "Contact information"}, 409, "label"),
        ("bad_name", {"name": "Not OK", "label": "Fine"}, 400, "name"),
        ("no_label", {"name": "fine"}, 400, "label"),
        ("negative_order", {"name": "fine", "label": "Fine", "displayOrder": -5}, 400, "displayOrder"),
    ],
)
def test_a_bad_group_is_refused(api_for, contacts_a, _case, body, status, where):
    response = api_for(WRITE).post(G, body)
    assert response.status_code == status, response.data
    assert where in [item.get("in") for item in response.data["errors"]]
    assert PropertyGroup.objects.filter(object_type=contacts_a).count() == 1


def test_relabelling_a_group_relabels_its_properties_for_the_staff_ui(api_for, contacts_a):
    response = api_for(WRITE).patch(f"{G}/contactinformation", {"label": "Person"})
    assert response.status_code == 200 and response.data["name"] == "contactinformation"
    groups = set(PropertyDefinition.objects.filter(object_type=contacts_a).values_list("group", flat=True))
    assert groups == {"Person"}


def test_a_group_with_properties_is_not_deleted(api_for, contacts_a):
    response = api_for(WRITE).delete(f"{G}/contactinformation")
    assert response.status_code == 400 and "move them" in response.data["message"]
    assert PropertyGroup.objects.filter(object_type=contacts_a, name="contactinformation").exists()


def test_an_empty_group_is_deleted(api_for, contacts_a):
    api = api_for(WRITE)
    api.post(G, {"name": "billing", "label": "Billing"})
    assert api.delete(f"{G}/billing").status_code == 204
    assert api.get(f"{G}/billing").status_code == 404


def test_the_staff_ui_property_form_makes_and_uses_groups(admin_client, contacts_a, api_for):
    data = {"label": "Shoe size", "name": "shoe_size", "data_type": "number", "sensitivity": "none", "group": "Body"}
    response = admin_client.post(reverse("settings_property_create", args=["contacts"]), data)
    assert response.status_code == 302
    assert PropertyGroup.objects.get(object_type=contacts_a, label="Body").name == "body"
    assert api_for(READ).get("/crm/v3/properties/contacts/shoe_size").data["groupName"] == "body"


def test_another_tenants_group_is_a_404(api_for, tenant_b_user, contacts_b):
    make_property(tenant_b_user, contacts_b, "x", group="Globex secrets")
    api = api_for(WRITE)
    assert api.get(f"{G}/globexsecrets").status_code == 404
    assert api.patch(f"{G}/globexsecrets", {"label": "Mine"}).status_code == 404
    assert api.delete(f"{G}/globexsecrets").status_code == 404
    assert PropertyGroup.objects.get(object_type=contacts_b, name="globexsecrets").label == "Globex secrets"
