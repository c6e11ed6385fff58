"""/crm/v3/properties/{objectType}: HubSpot's property shape, creating, changing and archiving properties."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm import selectors
from crm.models import PropertyDefinition, PropertyGroup
from tests.api.conftest import ApiClient
from tests.factories import make_record

pytestmark = pytest.mark.django_db

READ = ["crm.schemas.contacts.read"]
WRITE = ["crm.schemas.contacts.read", "crm.schemas.contacts.write"]
WRITE_SENSITIVE = [*WRITE, "crm.objects.contacts.sensitive.read", "crm.objects.contacts.sensitive.write"]
WRITE_HIGHLY = [*WRITE, "crm.objects.contacts.highly_sensitive.read", "crm.objects.contacts.highly_sensitive.write"]

A_TEXT_PROPERTY = {
    "name": "favourite_colour",
    "label": "Favourite colour",
    "type": "string",
    "fieldType": "text",
    "groupName": "contactinformation",
}


def test_a_property_comes_back_in_hubspots_shape(api_for):
    body = api_for(READ).get("/crm/v3/properties/contacts/lifecyclestage").data
    assert body["name"] == "lifecyclestage" and body["label"] == "Lifecycle stage"
    assert (body["type"], body["fieldType"]) == ("enumeration", "select")
    assert body["groupName"] == "contactinformation"
    assert body["options"][0] == {"label": "Subscriber", "value": "subscriber", "displayOrder": 0, "hidden": False}
    assert body["dataSensitivity"] == "non_sensitive" and body["archived"] is False
    assert body["hubspotDefined"] is True and body["modificationMetadata"]["archivable"] is False
    assert body["createdAt"].endswith("Z") and body["description"] == ""
    assert set(body) >= {"displayOrder", "hasUniqueValue", "hidden", "formField", "calculated", "externalOptions"}


def test_the_list_holds_only_non_sensitive_properties_without_data_sensitivity(api_for, salary, gov_id):
    names = {p["name"] for p in api_for(READ).get("/crm/v3/properties/contacts").data["results"]}
    assert {"email", "firstname", "lifecyclestage", "hs_object_id", "createdate"} <= names
    assert not names & {"annual_salary", "gov_id"}


def test_listing_a_sensitive_tier_returns_only_that_tier(api_for, salary, gov_id):
    api = api_for([*READ, "crm.objects.contacts.highly_sensitive.read"])
    sensitive = api.get("/crm/v3/properties/contacts", {"dataSensitivity": "sensitive"}).data["results"]
    highly = api.get("/crm/v3/properties/contacts", {"dataSensitivity": "highly_sensitive"}).data["results"]
    assert [p["name"] for p in sensitive] == ["annual_salary"] and sensitive[0]["dataSensitivity"] == "sensitive"
    assert [p["name"] for p in highly] == ["gov_id"]


def test_an_unknown_data_sensitivity_is_a_400(api_for):
    response = api_for(READ).get("/crm/v3/properties/contacts", {"dataSensitivity": "secret"})
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "dataSensitivity"


def test_the_properties_parameter_limits_the_list(api_for):
    body = api_for(READ).get("/crm/v3/properties/contacts", {"properties": "email,hs_object_id,nothing"}).data
    assert sorted(p["name"] for p in body["results"]) == ["email", "hs_object_id"]


def test_built_in_properties_are_read_only(api_for):
    api = api_for(WRITE)
    body = api.get("/crm/v3/properties/contacts/hs_object_id").data
    assert body["modificationMetadata"]["readOnlyValue"] is True and body["type"] == "number"
    assert api.patch("/crm/v3/properties/contacts/createdate", {"label": "Born"}).status_code == 400
    assert api.delete("/crm/v3/properties/contacts/hs_object_id").status_code == 400


@pytest.mark.parametrize(
    ("_case", "type_", "field_type", "data_type"),
    [
        ("text", "string", "text", "string"),
        ("textarea", "string", "textarea", "string"),
        ("file", "string", "file", "file"),
        ("number", "number", "number", "number"),
        ("date", "date", "date", "date"),
        ("datetime", "datetime", "date", "datetime"),
        ("bool", "bool", "booleancheckbox", "bool"),
    ],
)
def test_hubspot_types_map_to_ours(api_for, contacts_a, _case, type_, field_type, data_type):
    response = api_for(WRITE).post(
        "/crm/v3/properties/contacts", {**A_TEXT_PROPERTY, "type": type_, "fieldType": field_type}
    )
    assert response.status_code == 201, response.data
    assert PropertyDefinition.objects.get(object_type=contacts_a, name="favourite_colour").data_type == data_type
    assert response.data["type"] == type_


def test_an_enumeration_is_created_with_its_options_in_display_order(api_for, contacts_a):
    options = [
        {"label": "Gold", "value": "gold", "displayOrder": 2, "hidden": False},
        {"label": "Silver", "value": "silver", "displayOrder": 1, "hidden": False},
        {"label": "Bronze", "value": "bronze", "hidden": False},
    ]
    body = {**A_TEXT_PROPERTY, "name": "tier", "type": "enumeration", "fieldType": "radio", "options": options}
    response = api_for(WRITE).post("/crm/v3/properties/contacts", body)
    assert response.status_code == 201, response.data
    assert [o["value"] for o in response.data["options"]] == ["silver", "gold", "bronze"]
    assert response.data["fieldType"] == "select"


def test_a_bool_property_accepts_hubspots_true_false_options(api_for):
    options = [{"label": "Yes", "value": "true", "hidden": False}, {"label": "No", "value": "false", "hidden": False}]
    body = {**A_TEXT_PROPERTY, "type": "bool", "fieldType": "booleancheckbox", "options": options}
    response = api_for(WRITE).post("/crm/v3/properties/contacts", body)
    assert response.status_code == 201, response.data
    assert [o["value"] for o in response.data["options"]] == ["true", "false"]


def test_creating_a_property_is_audited_naming_the_app(make_app, contacts_a):
    app, token = make_app(WRITE, name="Schema sync")
    response = ApiClient(token).post("/crm/v3/properties/contacts", A_TEXT_PROPERTY)
    assert response.status_code == 201
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PROPERTY_CREATED, property_names=["favourite_colour"])
    assert event.actor == app.user and event.surface == "api"


@pytest.mark.parametrize(
    ("_case", "changes", "where"),
    [
        ("unknown_type", {"type": "phone"}, "type"),
        ("field_type_of_another_type", {"fieldType": "number"}, "fieldType"),
        ("several_options_at_once", {"type": "enumeration", "fieldType": "checkbox", "options": []}, "fieldType"),
        ("calculated", {"type": "number", "fieldType": "calculation_equation"}, "fieldType"),
        ("no_options", {"type": "enumeration", "fieldType": "select", "options": []}, "options"),
        ("options_on_text", {"options": [{"label": "A", "value": "a"}]}, "options"),
        (
            "duplicate_option",
            {"type": "enumeration", "fieldType": "select", "options": [{"value": "a"}, {"value": "a"}]},
            "options",
        ),
        (
            "option_without_value",
            {"type": "enumeration", "fieldType": "select", "options": [{"label": "A"}]},
            "options[0].value",
        ),
        (
            "hidden_option",
            {"type": "enumeration", "fieldType": "select", "options": [{"value": "a", "hidden": True}]},
            "options[0].hidden",
        ),
        ("hidden", {"hidden": True}, "hidden"),
        ("formula", {"calculationFormula": "1+1"}, "calculationFormula"),
        ("bad_name", {"name": "Bad Name!"}, "name"),
        ("unknown_group", {"groupName": "nogroup"}, "groupName"),
        ("no_label", {"label": ""}, "label"),
        ("missing_type", {"type": None}, "type"),
        ("bad_sensitivity", {"dataSensitivity": "secret"}, "dataSensitivity"),
        ("unique_and_sensitive", {"dataSensitivity": "sensitive", "hasUniqueValue": True}, "hasUniqueValue"),
        ("a_built_in_name", {"name": "createdate"}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(api_for, contacts_a, _case, changes, where):
    body = {key: value for key, value in {**A_TEXT_PROPERTY, **changes}.items() if value is not None}
    response = api_for(WRITE_SENSITIVE).post("/crm/v3/properties/contacts", body)
    assert response.status_code == 400, response.data
    assert response.data["category"] == "VALIDATION_ERROR" and response.data["correlationId"]
    assert where in [item.get("in") for item in response.data["errors"]], response.data
    assert not PropertyDefinition.objects.filter(object_type=contacts_a, name__in=["favourite_colour", "tier"]).exists()


@pytest.mark.parametrize("body", [[], "text", 42, {"name": {"x": 1}}])
def test_a_body_that_is_not_a_property_is_a_400(api_for, body):
    response = api_for(WRITE).post("/crm/v3/properties/contacts", body)
    assert response.status_code == 400 and response.data["status"] == "error"


def test_malformed_json_is_a_400(api_for):
    response = api_for(WRITE).post("/crm/v3/properties/contacts", "{nope", content_type="application/json")
    assert response.status_code == 400 and response.data["errors"][0]["code"] == "INVALID_JSON"


def test_a_taken_name_is_a_409(api_for):
    response = api_for(WRITE).post("/crm/v3/properties/contacts", {**A_TEXT_PROPERTY, "name": "email"})
    assert response.status_code == 409
    assert response.data["category"] == "OBJECT_ALREADY_EXISTS" and response.data["errors"][0]["in"] == "name"


def test_an_unknown_object_type_is_refused(api_for):
    response = api_for(WRITE).get("/crm/v3/properties/spaceships")
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "objectType"


def test_a_missing_property_is_a_404(api_for):
    response = api_for(READ).get("/crm/v3/properties/contacts/nothing_here")
    assert response.status_code == 404 and response.data["category"] == "OBJECT_NOT_FOUND"


def test_changing_a_property_keeps_what_is_not_sent(api_for, contacts_a):
    api = api_for(WRITE)
    response = api.patch("/crm/v3/properties/contacts/firstname", {"label": "Given name", "displayOrder": 7})
    assert response.status_code == 200, response.data
    assert (response.data["label"], response.data["displayOrder"]) == ("Given name", 7)
    firstname = PropertyDefinition.objects.get(object_type=contacts_a, name="firstname")
    assert (firstname.label, firstname.position, firstname.group) == ("Given name", 7, "Contact information")
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED).latest("created_at")
    assert event.property_names == ["firstname"] and event.details["changed"] == ["label", "position"]


def test_the_type_of_a_property_never_changes(api_for):
    response = api_for(WRITE).patch("/crm/v3/properties/contacts/firstname", {"type": "number", "fieldType": "number"})
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "type"


def test_an_option_still_used_is_not_removed(api_for, alan, tenant_a_admin, contacts_a):
    make_record(tenant_a_admin, contacts_a, firstname="Ida", lifecyclestage="lead")
    response = api_for(WRITE).patch(
        "/crm/v3/properties/contacts/lifecyclestage", {"options": [{"label": "Customer", "value": "customer"}]}
    )
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "options"
    assert len(PropertyDefinition.objects.get(object_type=contacts_a, name="lifecyclestage").options) == 8


def test_moving_a_property_to_another_group(api_for, contacts_a):
    api = api_for(WRITE)
    assert api.post("/crm/v3/properties/contacts/groups", {"name": "billing", "label": "Billing"}).status_code == 201
    response = api.patch("/crm/v3/properties/contacts/phone", {"groupName": "billing"})
    assert response.status_code == 200 and response.data["groupName"] == "billing"
    assert PropertyDefinition.objects.get(object_type=contacts_a, name="phone").group == "Billing"


def test_archiving_a_custom_property_hides_it_everywhere_and_keeps_its_values(api_for, tenant_a_admin, contacts_a):
    api = api_for(WRITE)
    api.post("/crm/v3/properties/contacts", A_TEXT_PROPERTY)
    record = make_record(tenant_a_admin, contacts_a, firstname="Ida", favourite_colour="teal")
    assert api.delete("/crm/v3/properties/contacts/favourite_colour").status_code == 204
    assert "favourite_colour" not in selectors.property_definitions_by_name(object_type=contacts_a)
    assert api.get("/crm/v3/properties/contacts/favourite_colour").status_code == 404
    archived = api.get("/crm/v3/properties/contacts", {"archived": "true"}).data["results"]
    assert [(p["name"], p["archived"]) for p in archived] == [("favourite_colour", True)]
    assert archived[0]["archivedAt"].endswith("Z")
    record.refresh_from_db()
    assert record.properties["favourite_colour"] == "teal"
    # the name stays taken
    assert api.post("/crm/v3/properties/contacts", A_TEXT_PROPERTY).status_code == 409


def test_an_archived_property_leaves_the_staff_uis_record_page_and_forms(
    api_for, admin_client, tenant_a_admin, contacts_a
):
    api = api_for(WRITE)
    api.post("/crm/v3/properties/contacts", A_TEXT_PROPERTY)
    ida = make_record(tenant_a_admin, contacts_a, firstname="Ida", favourite_colour="teal")
    page = admin_client.get(reverse("record_detail", args=["contacts", ida.pk])).content.decode()
    assert "Favourite colour" in page
    api.delete("/crm/v3/properties/contacts/favourite_colour")
    for url in (
        reverse("record_detail", args=["contacts", ida.pk]),
        reverse("record_update", args=["contacts", ida.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert "Favourite colour" not in page and "teal" not in page


def test_a_standard_property_is_not_archived(api_for):
    response = api_for(WRITE).delete("/crm/v3/properties/contacts/email")
    assert response.status_code == 400 and "standard" in response.data["message"]


def test_another_tenants_property_is_a_404_like_a_missing_one(api_for, tenant_b_user, contacts_b):
    from tests.factories import make_property

    make_property(tenant_b_user, contacts_b, "globex_only")
    api = api_for(WRITE)
    foreign = api.get("/crm/v3/properties/contacts/globex_only")
    missing = api.get("/crm/v3/properties/contacts/nowhere")
    assert foreign.status_code == missing.status_code == 404
    assert api.patch("/crm/v3/properties/contacts/globex_only", {"label": "Mine"}).status_code == 404
    assert api.delete("/crm/v3/properties/contacts/globex_only").status_code == 404
    names = {p["name"] for p in api.get("/crm/v3/properties/contacts").data["results"]}
    assert "globex_only" not in names


def test_group_headings_made_in_the_staff_ui_become_groups(tenant_a_admin, contacts_a, api_for):
    from tests.factories import make_property

    make_property(tenant_a_admin, contacts_a, "shoe_size", group="Body measurements")
    group = PropertyGroup.objects.get(object_type=contacts_a, label="Body measurements")
    assert group.name == "bodymeasurements"
    assert api_for(READ).get("/crm/v3/properties/contacts/shoe_size").data["groupName"] == "bodymeasurements"
