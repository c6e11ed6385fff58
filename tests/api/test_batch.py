"""POST /crm/v3/objects/{objectType}/batch/read|create|update|upsert|archive: HubSpot's bodies, 207 for ids not
found, 100 inputs at most, and writes that are all or nothing."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm import services as schema_services
from crm.models import Record
from crm.records import api as records_api
from tests.api.conftest import HIGHLY_SENSITIVE_CONTACTS, READ_CONTACTS, SENSITIVE_CONTACTS, WRITE_CONTACTS, ApiClient
from tests.factories import make_record

pytestmark = pytest.mark.django_db

CANARY = "CANARY-5c1e-078-05-1120"
BATCH = "/crm/v3/objects/contacts/batch"


def events_of(app, kind) -> int:
    return AuditEvent.objects.filter(actor=app.user, kind=kind).count()


@pytest.fixture
def hundred(tenant_a_admin, contacts_a, salary):
    return records_api.records_write_bulk(
        actor=tenant_a_admin,
        object_type=contacts_a,
        rows=[{"firstname": f"B{i:03}", "email": f"b{i}@acme.test", "annual_salary": 1000 + i} for i in range(100)],
    )


# --- read -----------------------------------------------------------------------------------------------


def test_a_batch_read_of_100_records_is_one_audited_read(make_app, hundred):
    app, token = make_app(SENSITIVE_CONTACTS)
    response = ApiClient(token).post(
        f"{BATCH}/read",
        {"inputs": [{"id": str(r.number)} for r in hundred], "properties": ["firstname", "annual_salary"]},
    )
    assert response.status_code == 200, response.data
    body = response.data
    assert body["status"] == "COMPLETE" and {"startedAt", "completedAt", "requestedAt"} <= set(body)
    assert len(body["results"]) == 100
    assert {o["properties"]["annual_salary"] for o in body["results"]} == {str(1000 + i) for i in range(100)}
    assert events_of(app, AuditEvent.Kind.SENSITIVE_READ) == 1
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_READ, actor=app.user).record_ids.__len__() == 100


def test_ids_not_found_make_a_207_naming_them(api_for, hundred, tenant_b_user, contacts_b):
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob")
    records_api.record_archive(actor=hundred[1].owner, record=hundred[1])
    ids = [str(hundred[0].number), "999999999", str(theirs.number), "not-a-number", str(hundred[1].number)]
    response = api_for(READ_CONTACTS).post(f"{BATCH}/read", {"inputs": [{"id": i} for i in ids]})
    assert response.status_code == 207
    body = response.data
    assert [o["id"] for o in body["results"]] == [str(hundred[0].number)]
    assert body["numErrors"] == 1
    (error,) = body["errors"]
    assert error["status"] == "error" and error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"] == {"ids": ids[1:]}


def test_a_batch_read_by_id_property_and_of_archived_records(api_for, hundred, tenant_a_admin):
    api = api_for(READ_CONTACTS)
    body = api.post(
        f"{BATCH}/read", {"idProperty": "email", "inputs": [{"id": "B7@acme.test"}, {"id": "b8@acme.test"}]}
    ).data
    assert [o["properties"]["firstname"] for o in body["results"]] == ["B007", "B008"]
    records_api.record_archive(actor=tenant_a_admin, record=hundred[9])
    archived = api.post(f"{BATCH}/read?archived=true", {"inputs": [{"id": str(hundred[9].number)}]}).data
    assert archived["results"][0]["archived"] is True
    assert api.post(f"{BATCH}/read", {"idProperty": "firstname", "inputs": [{"id": "B007"}]}).status_code == 400


def test_more_than_100_inputs_is_a_400_for_every_batch(api_for, hundred):
    api = api_for(WRITE_CONTACTS)
    inputs = [{"id": str(r.number), "properties": {"firstname": "X"}} for r in hundred] + [
        {"id": "1", "properties": {}}
    ]
    for operation in ("read", "create", "update", "upsert", "archive"):
        response = api.post(f"{BATCH}/{operation}", {"inputs": inputs})
        assert response.status_code == 400, operation
        assert response.data["errors"][0]["in"] == "inputs"
    assert not Record.objects.filter(properties__firstname="X").exists()


@pytest.mark.parametrize("body", [{}, {"inputs": "x"}, {"inputs": [1]}, {"inputs": [{"id": True}]}, {"inputs": [{}]}])
def test_a_malformed_batch_is_a_400(api_for, body):
    assert api_for(READ_CONTACTS).post(f"{BATCH}/read", body).status_code == 400


# --- create ---------------------------------------------------------------------------------------------


def test_a_batch_create_is_a_201_with_every_object_and_one_audit_event(make_app, contacts_a, tenant_a_admin):
    app, token = make_app(WRITE_CONTACTS)
    inputs = [{"properties": {"firstname": f"N{i}", "email": f"n{i}@acme.test"}} for i in range(30)]
    inputs[0]["properties"]["hubspot_owner_id"] = str(tenant_a_admin.number)
    response = ApiClient(token).post(f"{BATCH}/create", {"inputs": inputs})
    assert response.status_code == 201, response.data
    assert response.data["status"] == "COMPLETE" and len(response.data["results"]) == 30
    assert Record.objects.filter(object_type=contacts_a).count() == 30
    assert Record.objects.get(properties__firstname="N0").owner == tenant_a_admin
    assert events_of(app, AuditEvent.Kind.RECORD_CREATED) == 1


def test_one_invalid_input_refuses_the_whole_batch_with_errors_by_input(make_app, contacts_a, salary):
    app, token = make_app(SENSITIVE_CONTACTS)
    inputs = [{"properties": {"firstname": f"N{i}"}} for i in range(5)]
    inputs[3]["properties"]["annual_salary"] = CANARY
    inputs[4]["properties"]["nope"] = "x"
    response = ApiClient(token).post(f"{BATCH}/create", {"inputs": inputs})
    assert response.status_code == 400
    assert [e["in"] for e in response.data["errors"]] == ["inputs[4].properties.nope"]
    del inputs[4]["properties"]["nope"]
    response = ApiClient(token).post(f"{BATCH}/create", {"inputs": inputs})
    assert response.status_code == 400
    assert [e["in"] for e in response.data["errors"]] == ["inputs[3].properties.annual_salary"]
    assert CANARY not in response.content.decode()
    assert not Record.objects.filter(object_type=contacts_a).exists()
    assert events_of(app, AuditEvent.Kind.RECORD_CREATED) == 0


def test_a_batch_with_a_sensitive_write_beyond_the_scope_is_a_403_and_saves_nothing(
    make_app, contacts_a, salary, gov_id
):
    app, token = make_app(SENSITIVE_CONTACTS)
    inputs = [
        {"properties": {"firstname": "A", "annual_salary": "1"}},
        {"properties": {"firstname": "B", "gov_id": CANARY}},
    ]
    response = ApiClient(token).post(f"{BATCH}/create", {"inputs": inputs})
    assert response.status_code == 403
    assert [e["in"] for e in response.data["errors"]] == ["inputs[1].properties.gov_id"]
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.contacts.highly_sensitive.write"
    ]
    assert CANARY not in response.content.decode()
    assert not Record.objects.filter(object_type=contacts_a).exists()
    assert AuditEvent.objects.filter(actor=app.user).count() == 0


def test_a_batch_create_with_associations(api_for, tenant_a_admin, companies_a, contacts_a):
    acme = make_record(tenant_a_admin, companies_a, name="Acme")
    link = {
        "to": {"id": str(acme.number)},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
    }
    api = api_for([*WRITE_CONTACTS, "crm.objects.companies.read"])
    response = api.post(f"{BATCH}/create", {"inputs": [{"properties": {"firstname": "L"}, "associations": [link]}]})
    assert response.status_code == 201, response.data
    linked = api.get(f"/crm/v3/objects/contacts/{response.data['results'][0]['id']}?associations=companies").data
    assert linked["associations"]["companies"]["results"][0]["id"] == str(acme.number)


# --- update ---------------------------------------------------------------------------------------------


def test_a_batch_update_changes_the_given_properties(api_for, hundred):
    api = api_for(WRITE_CONTACTS)
    inputs = [{"id": str(r.number), "properties": {"firstname": f"U{i}"}} for i, r in enumerate(hundred[:3])]
    inputs.append({"id": "b3@acme.test", "idProperty": "email", "properties": {"lastname": "ByEmail"}})
    response = api.post(f"{BATCH}/update", {"inputs": inputs})
    assert response.status_code == 200, response.data
    assert sorted(o["properties"]["firstname"] for o in response.data["results"]) == ["B003", "U0", "U1", "U2"]
    hundred[3].refresh_from_db()
    assert hundred[3].properties["lastname"] == "ByEmail" and hundred[3].properties["firstname"] == "B003"


def test_a_batch_update_with_unknown_ids_updates_the_others_and_is_a_207(api_for, hundred, tenant_b_user, contacts_b):
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob")
    inputs = [
        {"id": str(hundred[0].number), "properties": {"firstname": "Found"}},
        {"id": str(theirs.number), "properties": {"firstname": "Hacked"}},
    ]
    response = api_for(WRITE_CONTACTS).post(f"{BATCH}/update", {"inputs": inputs})
    assert response.status_code == 207
    assert response.data["errors"][0]["context"]["ids"] == [str(theirs.number)]
    theirs.refresh_from_db()
    hundred[0].refresh_from_db()
    assert theirs.properties["firstname"] == "Bob" and hundred[0].properties["firstname"] == "Found"


def test_an_invalid_update_in_a_batch_changes_no_record(api_for, hundred):
    inputs = [
        {"id": str(hundred[0].number), "properties": {"firstname": "Changed"}},
        {"id": str(hundred[1].number), "properties": {"lifecyclestage": "nope"}},
    ]
    response = api_for(WRITE_CONTACTS).post(f"{BATCH}/update", {"inputs": inputs})
    assert response.status_code == 400
    assert [e["in"] for e in response.data["errors"]] == ["inputs[1].properties.lifecyclestage"]
    hundred[0].refresh_from_db()
    assert hundred[0].properties["firstname"] == "B000"


def test_the_same_record_twice_in_an_update_is_a_400(api_for, hundred):
    inputs = [
        {"id": str(hundred[0].number), "properties": {"firstname": "One"}},
        {"id": "b0@acme.test", "idProperty": "email", "properties": {"firstname": "Two"}},
    ]
    response = api_for(WRITE_CONTACTS).post(f"{BATCH}/update", {"inputs": inputs})
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "inputs[1].id"


def test_a_sensitive_batch_update_without_the_scope_changes_nothing(make_app, hundred):
    app, token = make_app(WRITE_CONTACTS)
    inputs = [
        {"id": str(hundred[0].number), "properties": {"firstname": "Changed"}},
        {"id": str(hundred[1].number), "properties": {"annual_salary": "5"}},
    ]
    response = ApiClient(token).post(f"{BATCH}/update", {"inputs": inputs})
    assert response.status_code == 403 and response.data["errors"][0]["in"] == "inputs[1].properties.annual_salary"
    hundred[0].refresh_from_db()
    assert hundred[0].properties["firstname"] == "B000"
    assert AuditEvent.objects.filter(actor=app.user).count() == 0


# --- upsert ---------------------------------------------------------------------------------------------


def test_an_upsert_updates_the_found_and_creates_the_new(api_for, hundred, contacts_a):
    inputs = [
        {"idProperty": "email", "id": "B1@acme.test", "properties": {"lastname": "Up"}},
        {"idProperty": "email", "id": "fresh@acme.test", "properties": {"firstname": "Fresh"}},
    ]
    response = api_for(WRITE_CONTACTS).post(f"{BATCH}/upsert", {"inputs": inputs})
    assert response.status_code == 200, response.data
    updated, created = response.data["results"]
    assert updated["id"] == str(hundred[1].number) and updated["new"] is False
    assert created["new"] is True and created["properties"]["email"] == "fresh@acme.test"
    assert Record.objects.get(number=created["id"]).properties == {"firstname": "Fresh", "email": "fresh@acme.test"}
    assert Record.objects.filter(object_type=contacts_a).count() == 101


@pytest.mark.parametrize("_case", ["no_id_property", "sensitive_id_property", "duplicate", "invalid_value"])
def test_a_bad_upsert_writes_nothing(api_for, hundred, contacts_a, _case):
    inputs = {
        "no_id_property": [{"id": "x@acme.test", "properties": {"firstname": "X"}}],
        "sensitive_id_property": [{"idProperty": "annual_salary", "id": "1000", "properties": {"firstname": "X"}}],
        "duplicate": [
            {"idProperty": "email", "id": "x@acme.test", "properties": {"firstname": "X"}},
            {"idProperty": "email", "id": "X@acme.test", "properties": {"firstname": "X"}},
        ],
        "invalid_value": [
            {"idProperty": "email", "id": "b2@acme.test", "properties": {"firstname": "X"}},
            {"idProperty": "email", "id": "x@acme.test", "properties": {"lifecyclestage": "nope"}},
        ],
    }[_case]
    response = api_for(HIGHLY_SENSITIVE_CONTACTS).post(f"{BATCH}/upsert", {"inputs": inputs})
    assert response.status_code == 400
    assert not Record.objects.filter(properties__firstname="X").exists()
    assert Record.objects.filter(object_type=contacts_a).count() == 100


# --- archive --------------------------------------------------------------------------------------------


def test_a_batch_archive_is_a_204_and_the_records_leave_the_list(make_app, hundred):
    app, token = make_app(WRITE_CONTACTS)
    api = ApiClient(token)
    response = api.post(f"{BATCH}/archive", {"inputs": [{"id": str(r.number)} for r in hundred[:50]]})
    assert response.status_code == 204
    assert Record.objects.filter(archived_at__isnull=False).count() == 50
    assert events_of(app, AuditEvent.Kind.RECORD_DELETED) == 1
    listed = api.get("/crm/v3/objects/contacts", {"limit": 100}).data["results"]
    assert len(listed) == 50
    # archived again: done, still a 204
    assert api.post(f"{BATCH}/archive", {"inputs": [{"id": str(hundred[0].number)}]}).status_code == 204


def test_a_batch_archive_of_unknown_ids_archives_the_others_and_is_a_207(api_for, hundred, tenant_b_user, contacts_b):
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob")
    ids = [str(hundred[0].number), str(theirs.number)]
    response = api_for(WRITE_CONTACTS).post(f"{BATCH}/archive", {"inputs": [{"id": i} for i in ids]})
    assert response.status_code == 207
    assert response.data["errors"][0]["context"]["ids"] == [str(theirs.number)]
    theirs.refresh_from_db()
    assert theirs.archived_at is None
    assert Record.objects.get(pk=hundred[0].pk).archived_at is not None


# --- scopes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["read", "create", "update", "upsert", "archive"])
def test_each_batch_needs_its_scope(api_for, operation):
    scopes = ["crm.objects.companies.read", "crm.objects.companies.write"]
    if operation != "read":
        scopes.append("crm.objects.contacts.read")  # reading is not writing
    response = api_for(scopes).post(f"{BATCH}/{operation}", {"inputs": []})
    assert response.status_code == 403 and response.data["category"] == "MISSING_SCOPES"


def test_custom_objects_use_the_custom_scopes(api_for, tenant_a_admin):
    cars = schema_services.object_type_create(
        actor=tenant_a_admin, name="cars", label_singular="Car", label_plural="Cars"
    )
    url = f"/crm/v3/objects/{cars.type_id}/batch/create"
    body = {"inputs": [{"properties": {"name": "Model T"}}]}
    assert api_for(["crm.objects.contacts.write"]).post(url, body).status_code == 403
    response = api_for(["crm.objects.custom.read", "crm.objects.custom.write"]).post(url, body)
    assert response.status_code == 201, response.data
    assert response.data["results"][0]["properties"]["name"] == "Model T"
