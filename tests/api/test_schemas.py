"""/crm/v3/schemas: custom object types as HubSpot's ObjectSchema; creating, changing and archiving them."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm import services
from crm.models import ObjectType, PropertyDefinition, PropertyGroup, Record
from tests.api.conftest import ApiClient
from tests.factories import make_property, make_record

pytestmark = pytest.mark.django_db

READ = ["crm.schemas.custom.read"]
WRITE = ["crm.schemas.custom.read", "crm.schemas.custom.write"]
SENSITIVE = [*WRITE, "crm.objects.custom.sensitive.read", "crm.objects.custom.sensitive.write"]

EGG = {
    "name": "pets",
    "labels": {"singular": "Pet", "plural": "Pets"},
    "primaryDisplayProperty": "pet_name",
    "secondaryDisplayProperties": ["species"],
    "requiredProperties": ["pet_name"],
    "searchableProperties": ["pet_name"],
    "properties": [
        {"name": "pet_name", "label": "Name", "type": "string", "fieldType": "text"},
        {
            "name": "species",
            "label": "Species",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "pet_details",
            "options": [{"label": "Cat", "value": "cat", "hidden": False}, {"label": "Dog", "value": "dog"}],
        },
        {"name": "born", "label": "Born", "type": "date", "fieldType": "date"},
    ],
    "associatedObjects": ["CONTACT", "0-2"],
}


@pytest.fixture
def cars(tenant_a_admin):
    return services.object_type_create(actor=tenant_a_admin, name="cars", label_singular="Car", label_plural="Cars")


def test_the_list_holds_custom_types_in_hubspots_shape(api_for, cars):
    results = api_for(READ).get("/crm/v3/schemas").data["results"]
    assert [schema["name"] for schema in results] == ["cars"]
    schema = results[0]
    assert schema["objectTypeId"] == cars.type_id and schema["objectTypeId"] == f"2-{schema['id']}"
    assert schema["fullyQualifiedName"].startswith("p") and schema["fullyQualifiedName"].endswith("_cars")
    assert schema["labels"] == {"singular": "Car", "plural": "Cars"}
    assert schema["primaryDisplayProperty"] == "name" and schema["requiredProperties"] == ["name"]
    assert [p["name"] for p in schema["properties"]] == ["name"]
    assert schema["properties"][0]["groupName"] == "carinformation"
    assert schema["archived"] is False and schema["createdAt"].endswith("Z") and schema["associations"] == []


@pytest.mark.parametrize("key", ["name", "fqn", "type_id"])
def test_a_schema_is_found_by_name_fully_qualified_name_or_type_id(api_for, cars, key):
    api = api_for(READ)
    fqn = api.get("/crm/v3/schemas/cars").data["fullyQualifiedName"]
    path = {"name": "cars", "fqn": fqn, "type_id": cars.type_id}[key]
    response = api.get(f"/crm/v3/schemas/{path}")
    assert response.status_code == 200 and response.data["name"] == "cars"


def test_a_schema_is_created_from_hubspots_egg(make_app, contacts_a, companies_a):
    app, token = make_app(WRITE, name="Vet sync")
    response = ApiClient(token).post("/crm/v3/schemas", EGG)
    assert response.status_code == 201, response.data
    body = response.data
    assert body["name"] == "pets" and body["objectTypeId"].startswith("2-")
    assert body["primaryDisplayProperty"] == "pet_name" and body["secondaryDisplayProperties"] == ["species"]
    assert body["requiredProperties"] == ["pet_name"] and body["searchableProperties"] == ["pet_name"]
    assert [p["name"] for p in body["properties"]] == ["pet_name", "species", "born"]
    assert {a["toObjectTypeId"] for a in body["associations"]} == {"0-1", "0-2"}
    assert body["associations"][0]["name"] == "pets_to_contacts"
    pets = ObjectType.objects.get(tenant=contacts_a.tenant, name="pets")
    assert pets.display_properties == ["pet_name"]
    species = PropertyDefinition.objects.get(object_type=pets, name="species")
    assert species.option_values == ["cat", "dog"] and species.group == "Pet details"
    assert set(PropertyGroup.objects.filter(object_type=pets).values_list("name", flat=True)) == {
        "pet_details",
        "petinformation",
    }
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.OBJECT_TYPE_CREATED, object_type="pets")
    assert event.actor == app.user and event.surface == "api"
    # its records can be made at once
    make_record(contacts_a.tenant.users.get(email="ada@acme.test"), pets, pet_name="Rex", species="dog")
    assert Record.objects.get(object_type=pets).display_name == "Rex"


@pytest.mark.parametrize(
    ("_case", "changes", "status", "where"),
    [
        ("taken_name", {"name": "contacts"}, 409, "name"),
        ("bad_name", {"name": "Pets!"}, 400, "name"),
        ("no_labels", {"labels": None}, 400, "labels"),
        ("unknown_primary", {"primaryDisplayProperty": "nope"}, 400, "primaryDisplayProperty"),
        ("unknown_required", {"requiredProperties": ["nope"]}, 400, "requiredProperties"),
        ("unknown_association", {"associatedObjects": ["SPACESHIP"]}, 400, "associatedObjects[0]"),
        ("no_properties", {"properties": [], "primaryDisplayProperty": None}, 400, "properties"),
        (
            "bad_property_type",
            {"properties": [{"name": "pet_name", "label": "N", "type": "string", "fieldType": "checkbox"}]},
            400,
            "properties[0].fieldType",
        ),
        (
            "bad_property_name",
            {"properties": [{"name": "Pet Name", "label": "N", "type": "string", "fieldType": "text"}]},
            400,
            "properties[0].name",
        ),
        (
            "duplicate_property",
            {"properties": [EGG["properties"][0], EGG["properties"][0]]},
            409,
            "properties[1].name",
        ),
    ],
)
def test_a_bad_egg_is_refused_and_nothing_is_saved(api_for, contacts_a, _case, changes, status, where):
    egg = {key: value for key, value in {**EGG, **changes}.items() if value is not None}
    before = ObjectType.objects.count(), PropertyDefinition.objects.count(), PropertyGroup.objects.count()
    response = api_for(WRITE).post("/crm/v3/schemas", egg)
    assert response.status_code == status, response.data
    assert where in [item.get("in") for item in response.data["errors"]], response.data
    assert (ObjectType.objects.count(), PropertyDefinition.objects.count(), PropertyGroup.objects.count()) == before


def test_a_sensitive_property_never_names_the_records(api_for):
    egg = {
        **EGG,
        "properties": [{**EGG["properties"][0], "dataSensitivity": "sensitive"}],
        "secondaryDisplayProperties": [],
    }
    response = api_for(SENSITIVE).post("/crm/v3/schemas", {**egg, "searchableProperties": []})
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "primaryDisplayProperty"


def test_a_sensitive_property_in_an_egg_needs_the_custom_sensitive_write_scope(api_for, contacts_a):
    props = [
        EGG["properties"][0],
        {"name": "chip", "label": "Chip", "type": "string", "fieldType": "text", "dataSensitivity": "sensitive"},
    ]
    egg = {**EGG, "properties": props, "secondaryDisplayProperties": []}
    refused = api_for(WRITE).post("/crm/v3/schemas", egg)
    assert refused.status_code == 403
    assert "crm.objects.custom.sensitive.write" in refused.data["errors"][0]["context"]["requiredGranularScopes"]
    assert not ObjectType.objects.filter(name="pets").exists()
    created = api_for(SENSITIVE).post("/crm/v3/schemas", egg)
    assert created.status_code == 201, created.data
    assert [p["dataSensitivity"] for p in created.data["properties"]] == ["non_sensitive", "sensitive"]


def test_a_schema_shows_only_the_sensitive_properties_the_token_may_read(api_for, tenant_a_admin, cars):
    make_property(tenant_a_admin, cars, "vin", sensitivity="sensitive")
    make_property(tenant_a_admin, cars, "owner_ssn", sensitivity="highly_sensitive", required=True)
    plain = api_for(READ).get("/crm/v3/schemas/cars").data
    assert [p["name"] for p in plain["properties"]] == ["name"] and plain["requiredProperties"] == ["name"]
    sensitive = api_for([*READ, "crm.objects.custom.sensitive.read"]).get("/crm/v3/schemas/cars").data
    assert [p["name"] for p in sensitive["properties"]] == ["name", "vin"]
    highly = api_for([*READ, "crm.objects.custom.highly_sensitive.read"]).get("/crm/v3/schemas/cars").data
    assert highly["requiredProperties"] == ["name", "owner_ssn"]


def test_changing_a_schema(api_for, tenant_a_admin, cars):
    make_property(tenant_a_admin, cars, "model")
    beetle = make_record(tenant_a_admin, cars, name="Herbie", model="Beetle")
    body = {
        "labels": {"plural": "Automobiles"},
        "primaryDisplayProperty": "model",
        "requiredProperties": ["model"],
        "secondaryDisplayProperties": ["name"],
        "description": "Company cars",
    }
    response = api_for(WRITE).patch(f"/crm/v3/schemas/{cars.type_id}", body)
    assert response.status_code == 200, response.data
    assert response.data["labels"] == {"singular": "Car", "plural": "Automobiles"}
    assert response.data["primaryDisplayProperty"] == "model" and response.data["requiredProperties"] == ["model"]
    assert response.data["description"] == "Company cars"
    beetle.refresh_from_db()
    assert beetle.display_name == "Beetle"
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED, object_type="cars").latest(
        "created_at"
    )
    assert set(event.details["changed"]) >= {"label_plural", "display_properties", "required"}


def test_a_patch_leaves_the_flags_of_properties_the_token_cant_see(api_for, tenant_a_admin, cars):
    make_property(tenant_a_admin, cars, "vin", sensitivity="sensitive", required=True)
    response = api_for(WRITE).patch("/crm/v3/schemas/cars", {"requiredProperties": []})
    assert response.status_code == 200 and response.data["requiredProperties"] == []
    assert PropertyDefinition.objects.get(object_type=cars, name="vin").required is True
    assert api_for(WRITE).patch("/crm/v3/schemas/cars", {"requiredProperties": ["vin"]}).status_code == 400


def test_a_schema_without_records_is_archived(api_for, cars):
    api = api_for(WRITE)
    assert api.delete("/crm/v3/schemas/cars").status_code == 204
    assert api.get("/crm/v3/schemas/cars").status_code == 404
    assert api.get("/crm/v3/schemas").data["results"] == []
    archived = api.get("/crm/v3/schemas", {"archived": "true"}).data["results"]
    assert [(s["name"], s["archived"]) for s in archived] == [("cars", True)]
    # gone from the other surfaces too, its name still taken
    assert api_for(["crm.objects.custom.read"]).get("/crm/v3/objects/cars/1").status_code == 400
    assert api.post("/crm/v3/schemas", {**EGG, "name": "cars"}).status_code == 409


def test_a_schema_with_records_is_not_archived(api_for, tenant_a_admin, cars):
    make_record(tenant_a_admin, cars, name="Herbie")
    response = api_for(WRITE).delete("/crm/v3/schemas/cars")
    assert response.status_code == 400 and "delete them" in response.data["message"]
    assert ObjectType.objects.get(pk=cars.pk).archived_at is None


def test_standard_types_are_read_but_not_changed(api_for, contacts_a):
    body = api_for(["crm.schemas.contacts.read"]).get("/crm/v3/schemas/contacts").data
    assert body["objectTypeId"] == "0-1" and body["fullyQualifiedName"] == "contacts"
    api = api_for(["crm.schemas.contacts.write", "crm.schemas.custom.write"])
    assert api.patch("/crm/v3/schemas/contacts", {"labels": {"plural": "People"}}).status_code == 400
    assert api.delete("/crm/v3/schemas/0-1").status_code == 400


def test_another_tenants_schema_is_a_404_like_a_missing_one(api_for, tenant_b_user):
    theirs = services.object_type_create(
        actor=tenant_b_user, name="rockets", label_singular="Rocket", label_plural="Rockets"
    )
    api = api_for(WRITE)
    for path in ("rockets", theirs.type_id, "nothing"):
        assert api.get(f"/crm/v3/schemas/{path}").status_code == 404
        assert api.patch(f"/crm/v3/schemas/{path}", {"labels": {"plural": "Mine"}}).status_code == 404
        assert api.delete(f"/crm/v3/schemas/{path}").status_code == 404
    assert api.get("/crm/v3/schemas").data["results"] == []
    assert ObjectType.objects.get(pk=theirs.pk).label_plural == "Rockets" and theirs.archived_at is None


def test_hubspots_clients_path_serves_the_same_api(api_for, cars):
    api = api_for(WRITE)
    assert api.get("/crm-object-schemas/v3/schemas").data["results"][0]["name"] == "cars"
    assert api.get("/crm-object-schemas/v3/schemas/cars").status_code == 200
    assert api.get("/crm-object-schemas/v3/nothing").status_code == 404


def test_a_change_through_hubspots_clients_path_is_audited_as_the_api(make_app, cars):
    app, token = make_app(WRITE)
    response = ApiClient(token).patch("/crm-object-schemas/v3/schemas/cars", {"labels": {"plural": "Autos"}})
    assert response.status_code == 200, response.data
    event = AuditEvent.objects.filter(actor=app.user).latest("id")
    assert event.surface == "api"


@pytest.mark.parametrize(
    ("_case", "method", "path", "body", "needed", "status"),
    [
        ("list", "get", "/crm/v3/schemas", None, ["crm.schemas.custom.read"], 200),
        ("read", "get", "/crm/v3/schemas/cars", None, ["crm.schemas.custom.read"], 200),
        ("read_standard", "get", "/crm/v3/schemas/companies", None, ["crm.schemas.companies.read"], 200),
        ("create", "post", "/crm/v3/schemas", EGG, ["crm.schemas.custom.write"], 201),
        (
            "change",
            "patch",
            "/crm/v3/schemas/cars",
            {"labels": {"singular": "Auto"}},
            ["crm.schemas.custom.write"],
            200,
        ),
        ("archive", "delete", "/crm/v3/schemas/cars", None, ["crm.schemas.custom.write"], 204),
    ],
)
def test_each_schema_call_needs_exactly_its_scopes(api_for, cars, _case, method, path, body, needed, status):
    call = lambda api: getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)  # noqa: E731
    refused = call(api_for(["crm.schemas.contacts.read", "crm.schemas.contacts.write", "crm.objects.custom.read"]))
    assert refused.status_code == 403 and refused.data["category"] == "MISSING_SCOPES"
    assert refused.data["errors"][0]["context"]["requiredGranularScopes"] == needed
    assert (
        ObjectType.objects.get(pk=cars.pk).archived_at is None and not ObjectType.objects.filter(name="pets").exists()
    )
    assert call(api_for(needed)).status_code == status


def test_an_allowlisted_app_sees_and_makes_only_the_sensitive_properties_it_names(make_app, tenant_a_admin, cars):
    make_property(tenant_a_admin, cars, "vin", sensitivity="sensitive")
    make_property(tenant_a_admin, cars, "plate", sensitivity="sensitive")
    _, token = make_app(SENSITIVE, sensitive_allowlist=["cars.vin"])
    api = ApiClient(token)
    assert [p["name"] for p in api.get("/crm/v3/schemas/cars").data["properties"]] == ["name", "vin"]
    chip = {"name": "chip", "label": "Chip", "type": "string", "fieldType": "text", "dataSensitivity": "sensitive"}
    egg = {**EGG, "properties": [EGG["properties"][0], chip], "secondaryDisplayProperties": []}
    response = api.post("/crm/v3/schemas", egg)
    assert response.status_code == 403 and "allowlist" in response.data["message"]
    assert not ObjectType.objects.filter(name="pets").exists()
