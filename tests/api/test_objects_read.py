"""GET /crm/v3/objects/{objectType}/{objectId}: HubSpot's object shape, scopes and sensitive tiers."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.api.conftest import HIGHLY_SENSITIVE_CONTACTS, READ_CONTACTS, SENSITIVE_CONTACTS, ApiClient
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def test_a_contact_comes_back_in_hubspots_shape_with_a_numeric_id(api_for, alan):
    api = api_for(READ_CONTACTS)
    response = api.get(f"/crm/v3/objects/contacts/{alan.number}")
    assert response.status_code == 200, response.data
    body = response.data
    assert body["id"] == str(alan.number) and body["id"].isdigit()
    assert body["properties"]["firstname"] == "Alan"
    assert body["properties"]["hs_object_id"] == str(alan.number)
    assert body["properties"]["createdate"].endswith("Z")
    assert body["archived"] is False
    assert set(body) >= {"id", "properties", "createdAt", "updatedAt", "archived"}


def test_type_ids_are_accepted_for_names(api_for, alan):
    assert api_for(READ_CONTACTS).get(f"/crm/v3/objects/0-1/{alan.number}").status_code == 200


def test_without_the_sensitive_scope_a_sensitive_value_is_named_restricted(api_for, rosalind):
    body = api_for(READ_CONTACTS).get(f"/crm/v3/objects/contacts/{rosalind.number}?properties=annual_salary").data
    assert "annual_salary" not in body["properties"]
    assert body["restrictedProperties"] == ["annual_salary"]


def test_the_sensitive_scope_reads_the_value_and_the_read_names_the_app(api_for, rosalind, make_app):
    app, token = make_app(SENSITIVE_CONTACTS, name="Payroll sync")
    body = ApiClient(token).get(f"/crm/v3/objects/contacts/{rosalind.number}", {"properties": "annual_salary"}).data
    assert body["properties"]["annual_salary"] == "91250"
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, actor=app.user).get()
    assert event.surface == "api" and event.actor.get_full_name() == "Payroll sync"


def test_highly_sensitive_values_need_their_own_scope_and_are_a_reveal(api_for, rosalind, make_app):
    url = f"/crm/v3/objects/contacts/{rosalind.number}?properties=diagnosis"
    assert api_for(SENSITIVE_CONTACTS).get(url).data["restrictedProperties"] == ["diagnosis"]
    app, token = make_app(HIGHLY_SENSITIVE_CONTACTS)
    assert ApiClient(token).get(url).data["properties"]["diagnosis"] == "asthma"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL, actor=app.user).count() == 1


def test_the_allowlist_limits_the_sensitive_scope(api_for, rosalind):
    api = api_for(HIGHLY_SENSITIVE_CONTACTS, sensitive_allowlist=["contacts.annual_salary"])
    body = api.get(f"/crm/v3/objects/contacts/{rosalind.number}?properties=annual_salary,diagnosis").data
    assert body["properties"]["annual_salary"] == "91250"
    assert body["restrictedProperties"] == ["diagnosis"]


def test_without_the_read_scope_the_call_is_refused_in_hubspots_shape(api_for, alan):
    response = api_for(["crm.objects.companies.read"]).get(f"/crm/v3/objects/contacts/{alan.number}")
    assert response.status_code == 403
    assert response.data["category"] == "MISSING_SCOPES"
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.contacts.read"]


def test_another_tenants_record_is_a_404_like_a_missing_one(api_for, tenant_b_user, contacts_b):
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob")
    api = api_for(READ_CONTACTS)
    foreign = api.get(f"/crm/v3/objects/contacts/{theirs.number}")
    missing = api.get("/crm/v3/objects/contacts/999999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.data["category"] == missing.data["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.parametrize("header", [None, "Bearer pat-crm1-nope", "Basic abc", "Bearer "])
def test_a_call_without_a_valid_token_is_a_401(alan, header):
    api = ApiClient(None, **({"HTTP_AUTHORIZATION": header} if header else {}))
    response = api.get(f"/crm/v3/objects/contacts/{alan.number}")
    assert response.status_code == 401
    assert response.data["category"] == "INVALID_AUTHENTICATION" and response.data["correlationId"]


def test_an_unknown_path_is_a_404_in_hubspots_shape(api_for):
    response = api_for(READ_CONTACTS).get("/crm/v3/nothing/here")
    assert response.status_code == 404 and response.data["status"] == "error"


def test_rate_limit_headers_come_with_every_answer(api_for, alan):
    response = api_for(READ_CONTACTS).get(f"/crm/v3/objects/contacts/{alan.number}")
    assert response["X-HubSpot-RateLimit-Max"] == "190"
    assert int(response["X-HubSpot-RateLimit-Remaining"]) == 189
    assert response["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"


def test_who_can_see_a_property_lists_the_apps_whose_scopes_open_it(admin_client, make_app, salary):
    make_app(SENSITIVE_CONTACTS, name="Payroll sync")
    make_app(READ_CONTACTS, name="Newsletter")
    page = admin_client.get(f"/settings/properties/contacts/access/{salary.name}/")
    text = page.content.decode()
    assert "Private app: Payroll sync" in text and "Newsletter" not in text


def test_an_operator_sets_a_tenants_api_rate_limit_in_the_admin(client, operator, tenant_a, api_for, alan):
    client.force_login(operator)
    page = client.get(f"/admin/accounts/tenant/{tenant_a.pk}/change/")
    assert page.status_code == 200 and "api_burst_per_10_seconds" in page.content.decode()
    response = client.post(
        f"/admin/accounts/tenant/{tenant_a.pk}/change/",
        {"name": tenant_a.name, "api_burst_per_10_seconds": "7", "api_search_per_second": "", "api_daily": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    answer = api_for(READ_CONTACTS).get(f"/crm/v3/objects/contacts/{alan.number}")
    assert answer["X-HubSpot-RateLimit-Max"] == "7"
