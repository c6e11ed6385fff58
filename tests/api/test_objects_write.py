"""POST /crm/v3/objects/{objectType}, PATCH and DELETE /crm/v3/objects/{objectType}/{objectId}: HubSpot's
writes, with nothing saved of a refused request and no sensitive value in any error."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEvent
from crm.models import Association, PropertyDefinition, Record
from tests.api.conftest import (
    HIGHLY_SENSITIVE_CONTACTS,
    READ_CONTACTS,
    SENSITIVE_CONTACTS,
    WRITE_CONTACTS,
    ApiClient,
)
from tests.factories import make_property, make_record

pytestmark = pytest.mark.django_db

CANARY = "CANARY-7f3a-078-05-1120"


def record_events(app) -> int:
    return AuditEvent.objects.filter(actor=app.user).exclude(kind=AuditEvent.Kind.SENSITIVE_READ).count()


# --- create ---------------------------------------------------------------------------------------------


def test_a_created_contact_is_a_201_with_the_object(api_for, contacts_a):
    api = api_for(WRITE_CONTACTS)
    response = api.post("/crm/v3/objects/contacts", {"properties": {"firstname": "Ada", "email": "ada@math.test"}})
    assert response.status_code == 201, response.data
    body = response.data
    record = Record.objects.get(number=int(body["id"]))
    assert record.properties == {"firstname": "Ada", "email": "ada@math.test"}
    assert body["properties"]["firstname"] == "Ada" and body["properties"]["hs_object_id"] == body["id"]
    assert body["archived"] is False
    assert api.get(f"/crm/v3/objects/contacts/{body['id']}").data["properties"]["email"] == "ada@math.test"


def test_a_created_record_has_no_owner_unless_one_is_named(api_for, contacts_a, tenant_a_admin):
    api = api_for(WRITE_CONTACTS)
    nobodys = api.post("/crm/v3/objects/contacts", {"properties": {"firstname": "A"}}).data
    adas = api.post(
        "/crm/v3/objects/contacts", {"properties": {"firstname": "B", "hubspot_owner_id": str(tenant_a_admin.number)}}
    ).data
    assert Record.objects.get(number=nobodys["id"]).owner is None
    assert Record.objects.get(number=adas["id"]).owner == tenant_a_admin
    assert adas["properties"]["hubspot_owner_id"] == str(tenant_a_admin.number)
    read = api.get(f"/crm/v3/objects/contacts/{adas['id']}", {"properties": "firstname,hubspot_owner_id"}).data
    assert read["properties"]["hubspot_owner_id"] == str(tenant_a_admin.number)


@pytest.mark.parametrize("_case", ["not_a_number", "nobody", "an_app", "another_tenants_user"])
def test_an_owner_id_that_is_no_person_of_the_tenant_is_a_400(api_for, make_app, tenant_b_user, contacts_a, _case):
    app, _ = make_app(READ_CONTACTS)
    owner_id = {
        "not_a_number": "ada",
        "nobody": "999999999",
        "an_app": str(app.user.number),
        "another_tenants_user": str(tenant_b_user.number),
    }[_case]
    api = api_for(WRITE_CONTACTS)
    response = api.post("/crm/v3/objects/contacts", {"properties": {"firstname": "A", "hubspot_owner_id": owner_id}})
    assert response.status_code == 400
    assert [e["in"] for e in response.data["errors"]] == ["properties.hubspot_owner_id"]
    assert not Record.objects.filter(properties__firstname="A").exists()


def test_a_create_with_an_association_links_the_records(api_for, companies_a, tenant_a_admin):
    acme = make_record(tenant_a_admin, companies_a, name="Acme")
    api = api_for([*WRITE_CONTACTS, "crm.objects.companies.read"])
    body = {
        "properties": {"firstname": "Linked"},
        "associations": [
            {
                "to": {"id": str(acme.number)},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
            }
        ],
    }
    response = api.post("/crm/v3/objects/contacts", body)
    assert response.status_code == 201, response.data
    contact = Record.objects.get(number=response.data["id"])
    assert Association.objects.filter(from_record=contact, to_record=acme).exists()
    read = api.get(f"/crm/v3/objects/contacts/{contact.number}", {"associations": "companies"}).data
    assert read["associations"] == {"companies": {"results": [{"id": str(acme.number), "type": "contact_to_company"}]}}


@pytest.mark.parametrize("_case", ["missing_target", "unknown_type", "wrong_direction", "malformed"])
def test_a_bad_association_refuses_the_create(api_for, companies_a, tenant_a_admin, _case):
    acme = make_record(tenant_a_admin, companies_a, name="Acme")
    association = {
        "missing_target": {
            "to": {"id": "999999999"},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
        },
        "unknown_type": {
            "to": {"id": str(acme.number)},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 77777}],
        },
        "wrong_direction": {
            "to": {"id": str(acme.number)},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}],
        },
        "malformed": {"to": "nope"},
    }[_case]
    api = api_for([*WRITE_CONTACTS, "crm.objects.companies.read"])
    response = api.post("/crm/v3/objects/contacts", {"properties": {"firstname": "X"}, "associations": [association]})
    assert response.status_code == 400
    assert response.data["errors"][0]["in"].startswith("associations[0]")
    assert not Record.objects.filter(properties__firstname="X").exists()


def test_an_association_to_a_type_the_token_may_not_read_is_a_403(api_for, companies_a, tenant_a_admin):
    acme = make_record(tenant_a_admin, companies_a, name="Acme")
    association = {
        "to": {"id": str(acme.number)},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
    }
    response = api_for(WRITE_CONTACTS).post(
        "/crm/v3/objects/contacts", {"properties": {"firstname": "X"}, "associations": [association]}
    )
    assert response.status_code == 403
    assert not Record.objects.filter(properties__firstname="X").exists()


# --- bad input: 400 with one item per property, nothing saved -------------------------------------------


def test_unknown_read_only_and_invalid_properties_are_one_error_each(api_for, make_app, contacts_a):
    app, token = make_app(WRITE_CONTACTS)
    api = ApiClient(token)
    before = Record.objects.count()
    response = api.post(
        "/crm/v3/objects/contacts",
        {
            "properties": {
                "firstname": "Ok",
                "favourite_colour": "blue",
                "hs_object_id": "12",
                "createdate": "2020-01-01",
            }
        },
    )
    assert response.status_code == 400
    assert response.data["category"] == "VALIDATION_ERROR"
    by_place = {e["in"]: e["code"] for e in response.data["errors"]}
    assert by_place == {
        "properties.favourite_colour": "PROPERTY_DOESNT_EXIST",
        "properties.hs_object_id": "READ_ONLY_VALUE",
        "properties.createdate": "READ_ONLY_VALUE",
    }
    response = api.post("/crm/v3/objects/contacts", {"properties": {"lifecyclestage": "nope", "phone": {"a": 1}}})
    assert response.status_code == 400
    assert {e["in"] for e in response.data["errors"]} == {"properties.phone"}  # shape first, then values
    response = api.post("/crm/v3/objects/contacts", {"properties": {"lifecyclestage": "nope"}})
    assert [(e["in"], e["code"]) for e in response.data["errors"]] == [
        ("properties.lifecyclestage", "INVALID_PROPERTY_VALUE")
    ]
    assert Record.objects.count() == before
    assert record_events(app) == 0


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', '{"properties": [1]}', "{not json"])
def test_a_malformed_body_is_a_400(api_for, contacts_a, body):
    response = api_for(WRITE_CONTACTS).post("/crm/v3/objects/contacts", body)
    assert response.status_code == 400 and response.data["status"] == "error"


def test_a_required_property_missing_is_a_400_naming_it(api_for, companies_a):
    response = api_for(["crm.objects.companies.write"]).post(
        "/crm/v3/objects/companies", {"properties": {"domain": "a.test"}}
    )
    assert response.status_code == 400
    assert [e["in"] for e in response.data["errors"]] == ["properties.name"]


def test_writes_need_the_write_scope(api_for, alan):
    api = api_for(READ_CONTACTS)
    assert api.post("/crm/v3/objects/contacts", {"properties": {"firstname": "X"}}).status_code == 403
    assert api.patch(f"/crm/v3/objects/contacts/{alan.number}", {"properties": {"firstname": "X"}}).status_code == 403
    assert api.delete(f"/crm/v3/objects/contacts/{alan.number}").status_code == 403
    alan.refresh_from_db()
    assert alan.properties["firstname"] == "Alan" and alan.archived_at is None


# --- sensitive properties --------------------------------------------------------------------------------


def test_a_sensitive_write_without_its_scope_is_a_403_and_saves_nothing(make_app, contacts_a, salary, gov_id):
    app, token = make_app(WRITE_CONTACTS)
    before = Record.objects.count()
    response = ApiClient(token).post(
        "/crm/v3/objects/contacts", {"properties": {"firstname": "Eve", "annual_salary": "120000", "gov_id": CANARY}}
    )
    assert response.status_code == 403
    assert response.data["category"] == "MISSING_SCOPES"
    errors = {e["in"]: e["context"]["requiredGranularScopes"] for e in response.data["errors"]}
    assert "crm.objects.contacts.sensitive.write" in errors["properties.annual_salary"]
    assert errors["properties.gov_id"] == ["crm.objects.contacts.highly_sensitive.write"]
    assert CANARY not in response.content.decode() and "120000" not in response.content.decode()
    assert Record.objects.count() == before
    assert record_events(app) == 0


def test_a_sensitive_update_without_its_scope_changes_nothing(make_app, rosalind):
    app, token = make_app(WRITE_CONTACTS)
    response = ApiClient(token).patch(
        f"/crm/v3/objects/contacts/{rosalind.number}", {"properties": {"firstname": "Changed", "annual_salary": "1"}}
    )
    assert response.status_code == 403 and response.data["errors"][0]["in"] == "properties.annual_salary"
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"
    assert record_events(app) == 0


def test_the_allowlist_refuses_what_the_scope_would_allow(make_app, rosalind):
    _, token = make_app(HIGHLY_SENSITIVE_CONTACTS, sensitive_allowlist=["contacts.annual_salary"])
    api = ApiClient(token)
    refused = api.patch(f"/crm/v3/objects/contacts/{rosalind.number}", {"properties": {"diagnosis": "diabetes"}})
    assert refused.status_code == 403 and "allowlist" in refused.data["errors"][0]["message"]
    allowed = api.patch(f"/crm/v3/objects/contacts/{rosalind.number}", {"properties": {"annual_salary": "95000"}})
    assert allowed.status_code == 200, allowed.data
    assert allowed.data["properties"]["annual_salary"] == "95000"


def test_with_the_sensitive_scope_a_sensitive_value_is_written_and_audited(make_app, contacts_a, salary):
    app, token = make_app(SENSITIVE_CONTACTS)
    response = ApiClient(token).post(
        "/crm/v3/objects/contacts", {"properties": {"firstname": "Sal", "annual_salary": "88000"}}
    )
    assert response.status_code == 201, response.data
    assert response.data["properties"]["annual_salary"] == "88000"
    record = Record.objects.get(number=response.data["id"])
    assert "annual_salary" not in record.properties
    write = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_WRITE, actor=app.user)
    assert write.surface == "api" and write.property_names == ["annual_salary"]


def test_an_invalid_sensitive_value_is_a_400_that_never_shows_the_value(api_for, contacts_a, salary, diagnosis):
    response = api_for(HIGHLY_SENSITIVE_CONTACTS).post(
        "/crm/v3/objects/contacts", {"properties": {"annual_salary": CANARY, "diagnosis": CANARY}}
    )
    assert response.status_code == 400
    assert {e["in"] for e in response.data["errors"]} == {"properties.annual_salary", "properties.diagnosis"}
    assert CANARY not in response.content.decode()
    assert not Record.objects.filter(object_type=contacts_a).exists()


# --- update ----------------------------------------------------------------------------------------------


def test_patch_changes_only_the_given_properties_and_an_empty_string_clears(api_for, tenant_a_admin, contacts_a):
    record = make_record(tenant_a_admin, contacts_a, firstname="Alan", lastname="Turing", phone="123")
    api = api_for(WRITE_CONTACTS)
    response = api.patch(f"/crm/v3/objects/contacts/{record.number}", {"properties": {"firstname": "Al", "phone": ""}})
    assert response.status_code == 200, response.data
    assert response.data["properties"]["firstname"] == "Al" and response.data["properties"]["phone"] is None
    record.refresh_from_db()
    assert record.properties == {"firstname": "Al", "lastname": "Turing"}


def test_patch_sets_and_clears_the_owner(api_for, alan, tenant_a_admin, member_a):
    api = api_for(WRITE_CONTACTS)
    url = f"/crm/v3/objects/contacts/{alan.number}"
    assert api.patch(url, {"properties": {"hubspot_owner_id": str(member_a.number)}}).status_code == 200
    alan.refresh_from_db()
    assert alan.owner == member_a
    assert api.patch(url, {"properties": {"hubspot_owner_id": ""}}).data["properties"]["hubspot_owner_id"] is None
    alan.refresh_from_db()
    assert alan.owner is None


def test_an_invalid_patch_changes_nothing(api_for, alan):
    response = api_for(WRITE_CONTACTS).patch(
        f"/crm/v3/objects/contacts/{alan.number}", {"properties": {"firstname": "X", "lifecyclestage": "nope"}}
    )
    assert response.status_code == 400
    alan.refresh_from_db()
    assert alan.properties["firstname"] == "Alan"


def test_dates_and_datetimes_take_unix_milliseconds(api_for, tenant_a_admin, contacts_a):
    make_property(tenant_a_admin, contacts_a, "birthday", data_type=PropertyDefinition.DataType.DATE)
    make_property(tenant_a_admin, contacts_a, "last_seen", data_type=PropertyDefinition.DataType.DATETIME)
    api = api_for(WRITE_CONTACTS)
    response = api.post(
        "/crm/v3/objects/contacts", {"properties": {"birthday": "1577836800000", "last_seen": "1577836800123"}}
    )
    assert response.status_code == 201, response.data
    assert response.data["properties"]["birthday"] == "2020-01-01"
    assert response.data["properties"]["last_seen"] == "2020-01-01T00:00:00.123Z"
    iso = api.post(
        "/crm/v3/objects/contacts", {"properties": {"birthday": "2021-02-03", "last_seen": "2021-02-03T04:05:06Z"}}
    )
    assert iso.data["properties"]["last_seen"] == "2021-02-03T04:05:06.000Z"
    # a date is midnight UTC, as HubSpot's
    not_midnight = api.post("/crm/v3/objects/contacts", {"properties": {"birthday": "1577836800001"}})
    assert not_midnight.status_code == 400 and not_midnight.data["errors"][0]["in"] == "properties.birthday"


# --- idProperty ---------------------------------------------------------------------------------------


def test_id_property_finds_a_record_by_a_unique_value(api_for, tenant_a_admin, contacts_a):
    record = make_record(tenant_a_admin, contacts_a, firstname="Em", email="em@acme.test")
    api = api_for(WRITE_CONTACTS)
    got = api.get("/crm/v3/objects/contacts/EM@acme.test", {"idProperty": "email"})
    assert got.status_code == 200 and got.data["id"] == str(record.number)
    patched = api.patch("/crm/v3/objects/contacts/em@acme.test?idProperty=email", {"properties": {"firstname": "Emma"}})
    assert patched.status_code == 200 and patched.data["properties"]["firstname"] == "Emma"
    assert api.get("/crm/v3/objects/contacts/nobody@acme.test", {"idProperty": "email"}).status_code == 404
    assert api.delete("/crm/v3/objects/contacts/em@acme.test?idProperty=email").status_code == 204


@pytest.mark.parametrize("name", ["firstname", "annual_salary", "nope"])
def test_a_non_unique_sensitive_or_unknown_id_property_is_a_400(api_for, rosalind, name):
    response = api_for(SENSITIVE_CONTACTS).get("/crm/v3/objects/contacts/91250", {"idProperty": name})
    assert response.status_code == 400
    assert response.data["errors"][0]["in"] == "idProperty"
    assert "91250" not in response.data["message"]


# --- archive ----------------------------------------------------------------------------------------------


def test_delete_archives_and_archived_true_finds_it(api_for, make_app, alan):
    app, token = make_app(WRITE_CONTACTS)
    api = ApiClient(token)
    url = f"/crm/v3/objects/contacts/{alan.number}"
    assert api.delete(url).status_code == 204
    alan.refresh_from_db()
    assert alan.archived_at is not None
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.RECORD_DELETED, actor=app.user).details == {"archived": True}
    assert api.get(url).status_code == 404
    assert api.patch(url, {"properties": {"firstname": "X"}}).status_code == 404
    archived = api.get(url, {"archived": "true"}).data
    assert archived["archived"] is True and archived["archivedAt"].endswith("Z")
    assert api.delete(url).status_code == 204  # archived already: done
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_DELETED).count() == 1


def test_another_tenants_records_are_404_for_every_method(api_for, tenant_b_user, contacts_b):
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob", email="bob@globex.test")
    api = api_for(WRITE_CONTACTS)
    url = f"/crm/v3/objects/contacts/{theirs.number}"
    for response in (
        api.get(url),
        api.patch(url, {"properties": {"firstname": "X"}}),
        api.delete(url),
        api.get("/crm/v3/objects/contacts/bob@globex.test", {"idProperty": "email"}),
    ):
        assert response.status_code == 404 and response.data["category"] == "OBJECT_NOT_FOUND"
    theirs.refresh_from_db()
    assert theirs.properties["firstname"] == "Bob" and theirs.archived_at is None


def test_error_bodies_are_json_in_hubspots_shape(api_for, contacts_a):
    response = api_for(WRITE_CONTACTS).post("/crm/v3/objects/contacts", {"properties": {"nope": "x"}})
    body = json.loads(response.content)
    assert set(body) >= {"status", "message", "correlationId", "category", "errors"}
