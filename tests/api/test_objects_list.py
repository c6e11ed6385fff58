"""GET /crm/v3/objects/{objectType}: HubSpot's list with limit, after, properties, associations and archived."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm.records import api as records_api
from tests.api.conftest import READ_CONTACTS, SENSITIVE_CONTACTS, WRITE_CONTACTS, ApiClient
from tests.factories import make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve(tenant_a_admin, contacts_a):
    return [make_record(tenant_a_admin, contacts_a, firstname=f"C{i:02}") for i in range(12)]


def test_a_list_is_ten_objects_by_default_in_number_order_with_a_next_page(api_for, twelve):
    response = api_for(READ_CONTACTS).get("/crm/v3/objects/contacts")
    assert response.status_code == 200, response.data
    body = response.data
    assert [o["id"] for o in body["results"]] == [str(r.number) for r in twelve[:10]]
    assert body["results"][0]["properties"]["firstname"] == "C00"
    after = body["paging"]["next"]["after"]
    assert body["paging"]["next"]["link"].startswith("http://testserver/crm/v3/objects/contacts?")
    assert "after=" in body["paging"]["next"]["link"]
    rest = api_for(READ_CONTACTS).get("/crm/v3/objects/contacts", {"after": after}).data
    assert [o["id"] for o in rest["results"]] == [str(r.number) for r in twelve[10:]]
    assert "paging" not in rest


def test_the_next_link_gives_the_next_page(api_for, twelve):
    api = api_for(READ_CONTACTS)
    link = api.get("/crm/v3/objects/contacts", {"limit": 5, "properties": "firstname"}).data["paging"]["next"]["link"]
    page = api.get(link.removeprefix("http://testserver")).data
    assert [o["properties"]["firstname"] for o in page["results"]] == ["C05", "C06", "C07", "C08", "C09"]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1", "1.5"])
def test_a_limit_out_of_1_to_100_is_a_400(api_for, twelve, limit):
    response = api_for(READ_CONTACTS).get("/crm/v3/objects/contacts", {"limit": limit})
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "limit"


def test_a_limit_of_100_is_fine(api_for, twelve):
    assert len(api_for(READ_CONTACTS).get("/crm/v3/objects/contacts", {"limit": "100"}).data["results"]) == 12


def test_a_tampered_or_foreign_cursor_is_a_400(api_for, twelve, companies_a, tenant_a_admin):
    api = api_for([*READ_CONTACTS, "crm.objects.companies.read"])
    after = api.get("/crm/v3/objects/contacts", {"limit": 2}).data["paging"]["next"]["after"]
    payload, _, signature = after.rpartition(":")
    tampered = [
        "12",
        "garbage",
        "",
        payload + ":" + signature[::-1],
        after[:-1] + ("A" if after[-1] != "A" else "B"),
    ]
    for cursor in [c for c in tampered if c]:
        response = api.get("/crm/v3/objects/contacts", {"after": cursor})
        assert response.status_code == 400, cursor
        assert response.data["errors"][0]["in"] == "after"
    # a cursor of contacts is not one of companies, nor of the archived contacts
    assert api.get("/crm/v3/objects/companies", {"after": after}).status_code == 400
    assert api.get("/crm/v3/objects/contacts", {"after": after, "archived": "true"}).status_code == 400


def test_properties_sensitive_ones_included_are_read_in_one_audited_call(make_app, rosalind, alan):
    app, token = make_app(SENSITIVE_CONTACTS)
    body = ApiClient(token).get("/crm/v3/objects/contacts", {"properties": "firstname,annual_salary,diagnosis"}).data
    by_name = {o["properties"]["firstname"]: o for o in body["results"]}
    assert by_name["Rosalind"]["properties"]["annual_salary"] == "91250"
    assert by_name["Rosalind"]["restrictedProperties"] == ["diagnosis"]
    assert by_name["Alan"]["properties"]["annual_salary"] is None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, actor=app.user).count() == 1


def test_archived_records_leave_the_list_and_archived_true_lists_them(api_for, twelve, tenant_a_admin):
    records_api.record_archive(actor=tenant_a_admin, record=twelve[3])
    api = api_for(READ_CONTACTS)
    live = api.get("/crm/v3/objects/contacts", {"limit": 100}).data["results"]
    assert str(twelve[3].number) not in [o["id"] for o in live] and len(live) == 11
    archived = api.get("/crm/v3/objects/contacts", {"archived": "true"}).data["results"]
    assert [o["id"] for o in archived] == [str(twelve[3].number)]
    assert archived[0]["archived"] is True


def test_an_archive_from_the_api_leaves_the_staff_ui_too(api_for, admin_client, alan):
    assert api_for(WRITE_CONTACTS).delete(f"/crm/v3/objects/contacts/{alan.number}").status_code == 204
    assert "Turing" not in admin_client.get("/o/contacts/").content.decode()
    assert admin_client.get(f"/o/contacts/{alan.pk}/").status_code == 404


def test_associations_list_the_linked_records_the_app_may_see(api_for, tenant_a_admin, alan, companies_a):
    acme = make_record(tenant_a_admin, companies_a, name="Acme")
    gone = make_record(tenant_a_admin, companies_a, name="Gone")
    for company in (acme, gone):
        records_api.record_associate(actor=tenant_a_admin, from_record=alan, to_record=company)
    records_api.record_archive(actor=tenant_a_admin, record=gone)
    api = api_for([*READ_CONTACTS, "crm.objects.companies.read"])
    (result,) = api.get("/crm/v3/objects/contacts", {"associations": "companies"}).data["results"]
    assert result["associations"] == {
        "companies": {"results": [{"id": str(acme.number), "type": "contact_to_company"}]}
    }
    # and from the other side
    company = api.get(f"/crm/v3/objects/companies/{acme.number}", {"associations": "contacts"}).data
    assert company["associations"]["contacts"]["results"] == [{"id": str(alan.number), "type": "company_to_contact"}]


def test_associations_of_a_type_the_token_may_not_read_are_a_403(api_for, alan):
    response = api_for(READ_CONTACTS).get("/crm/v3/objects/contacts", {"associations": "companies"})
    assert response.status_code == 403
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.companies.read"]


def test_another_tenants_records_are_not_listed(api_for, alan, tenant_b_user, contacts_b):
    make_record(tenant_b_user, contacts_b, firstname="Bob")
    names = [
        o["properties"]["firstname"] for o in api_for(READ_CONTACTS).get("/crm/v3/objects/contacts").data["results"]
    ]
    assert names == ["Alan"]


@pytest.mark.parametrize(
    "scopes, type_name, allowed",
    [
        (["tickets"], "tickets", True),
        (["crm.objects.contacts.read"], "tickets", False),
        (["crm.objects.deals.read"], "0-3", True),
        (["crm.objects.contacts.read"], "deals", False),
    ],
)
def test_lists_need_the_read_scope_of_their_type(api_for, tenant_a_admin, scopes, type_name, allowed):
    response = api_for(scopes).get(f"/crm/v3/objects/{type_name}")
    assert response.status_code == (200 if allowed else 403)


def test_an_unknown_object_type_is_a_400(api_for):
    response = api_for(READ_CONTACTS).get("/crm/v3/objects/unicorns")
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "objectType"


def test_unknown_association_types_are_ignored_as_hubspot_does(api_for, alan):
    response = api_for(READ_CONTACTS).get("/crm/v3/objects/contacts", {"associations": "unicorns"})
    assert response.status_code == 200 and "associations" not in response.data["results"][0]
