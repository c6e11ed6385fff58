"""The search's filters on properties of associated records ("associations.<type>.<property>", our
extension): answers, the other type's read scope, the tier scopes of its sensitive properties,
the audit of a decrypting filter, and bad input as HubSpot's 400."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm import selectors
from crm.models import PropertyDefinition
from crm.records import api as records_api
from crm.records import services as record_services
from tests.api.conftest import ApiClient
from tests.factories import make_property, make_record

pytestmark = pytest.mark.django_db
S = PropertyDefinition.Sensitivity
CONTACTS_SEARCH = "/crm/v3/objects/contacts/search"
DEALS_SEARCH = "/crm/v3/objects/deals/search"
READ_BOTH = ["crm.objects.contacts.read", "crm.objects.companies.read"]


@pytest.fixture(autouse=True)
def _no_search_limit(settings):
    settings.API_SEARCH_PER_SECOND = 10_000


@pytest.fixture
def employers(tenant_a_admin, contacts_a, companies_a):
    """Ada works at a big firm, Alan (linked from the company's side) at a small one, Grace at an
    archived big one, Edsger nowhere; the size is plain, the revenue sensitive."""
    make_property(tenant_a_admin, companies_a, "numberofemployees", data_type="number")
    make_property(tenant_a_admin, companies_a, "revenue", data_type="number", sensitivity=S.SENSITIVE)
    big = make_record(tenant_a_admin, companies_a, name="Big", numberofemployees=900, revenue=5_000_000)
    small = make_record(tenant_a_admin, companies_a, name="Small", numberofemployees=20, revenue=100_000)
    gone = make_record(tenant_a_admin, companies_a, name="Gone", numberofemployees=800, revenue=9_000_000)
    people = {n: make_record(tenant_a_admin, contacts_a, firstname=n) for n in ("Ada", "Alan", "Grace", "Edsger")}
    for a, b in ((people["Ada"], big), (small, people["Alan"]), (people["Grace"], gone)):
        record_services.association_create(actor=tenant_a_admin, from_record=a, to_record=b)
    records_api.record_archive(actor=tenant_a_admin, record=gone)
    return {"big": big, "small": small, "gone": gone}


def _filter(name: str, operator: str, **spec) -> dict:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": operator, **spec}]}]}


def _firstnames(response) -> set[str]:
    assert response.status_code == 200, response.data
    return {result["properties"]["firstname"] for result in response.data["results"]}


def test_contacts_whose_company_has_more_than_500_employees(api_for, employers):
    api = api_for(READ_BOTH)

    by_name = api.post(CONTACTS_SEARCH, _filter("associations.companies.numberofemployees", "GT", value="500"))
    by_type_id = api.post(CONTACTS_SEARCH, _filter("associations.0-2.numberofemployees", "LTE", value="500"))
    none_big = api.post(CONTACTS_SEARCH, _filter("associations.companies.numberofemployees", "NOT_IN", values=["900"]))

    assert _firstnames(by_name) == {"Ada"}  # Grace's company is archived
    assert _firstnames(by_type_id) == {"Alan"}  # linked from the company's side
    assert _firstnames(none_big) == {"Alan", "Grace", "Edsger"}


def test_a_filter_through_an_association_needs_the_other_types_read_scope(api_for, employers):
    response = api_for(["crm.objects.contacts.read"]).post(
        CONTACTS_SEARCH, _filter("associations.companies.numberofemployees", "GT", value="500")
    )

    assert response.status_code == 403
    assert response.data["category"] == "MISSING_SCOPES"
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.companies.read"]


def test_a_sensitive_property_of_the_other_type_needs_that_types_tier_scope_and_decrypts_nothing(api_for, employers):
    response = api_for([*READ_BOTH, "crm.objects.contacts.sensitive.read"]).post(
        CONTACTS_SEARCH, _filter("associations.companies.revenue", "GT", value="1000000")
    )

    assert response.status_code == 403
    assert response.data["message"] == "You may not filter on Revenue (revenue)."
    assert response.data["context"]["requiredGranularScopes"] == [
        "crm.objects.companies.sensitive.read",
        "crm.objects.companies.highly_sensitive.read",
    ]
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()


def test_with_the_tier_scope_it_decrypts_the_visible_companies_and_audits_the_read(make_app, employers):
    app, token = make_app([*READ_BOTH, "crm.objects.companies.sensitive.read"])

    response = ApiClient(token).post(CONTACTS_SEARCH, _filter("associations.companies.revenue", "GT", value="1000000"))

    assert _firstnames(response) == {"Ada"}
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, actor=app.user)
    assert event.object_type == "companies" and event.record_ids == [str(employers["big"].pk)]
    assert event.surface == "api" and event.property_names == ["revenue"]


def test_deals_whose_contact_has_asthma_is_a_reveal_with_the_highly_sensitive_scope(
    make_app, tenant_a_admin, contacts_a, diagnosis
):
    deals_a = selectors.object_type_get(actor=tenant_a_admin, name="deals")
    ill = make_record(tenant_a_admin, contacts_a, firstname="Rosalind", diagnosis="asthma")
    well = make_record(tenant_a_admin, contacts_a, firstname="Ken", diagnosis="diabetes")
    for name, contact in (("Inhalers", ill), ("Insulin", well)):
        deal = make_record(tenant_a_admin, deals_a, dealname=name)
        record_services.association_create(actor=tenant_a_admin, from_record=deal, to_record=contact)
    body = _filter("associations.contacts.diagnosis", "EQ", value="asthma")
    deals_and_contacts = ["crm.objects.deals.read", "crm.objects.contacts.read"]
    _, refused_token = make_app([*deals_and_contacts, "crm.objects.contacts.sensitive.read"])
    app, token = make_app([*deals_and_contacts, "crm.objects.contacts.highly_sensitive.read"])

    refused = ApiClient(refused_token).post(DEALS_SEARCH, body)
    allowed = ApiClient(token).post(DEALS_SEARCH, body)

    assert refused.status_code == 403
    assert refused.data["context"]["requiredGranularScopes"] == ["crm.objects.contacts.highly_sensitive.read"]
    assert allowed.status_code == 200, allowed.data
    assert [result["properties"]["dealname"] for result in allowed.data["results"]] == ["Inhalers"]
    (reveal,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL, actor=app.user)
    assert reveal.record_ids == [str(ill.pk)] and reveal.surface == "api"


@pytest.mark.parametrize(
    ("name", "operator", "value", "message"),
    [
        ("associations.planets.size", "EQ", "1", "There is no object type 'planets'"),
        ("associations.companies.nosuch", "EQ", "1", "Companies have no property named 'nosuch'"),
        ("associations.companies.numberofemployees", "CONTAINS_TOKEN", "big", "CONTAINS_TOKEN does not apply"),
        ("associations.companies.revenue", "GT", "lots", "Revenue"),
    ],
)
def test_bad_filters_over_associations_are_a_400_in_hubspots_shape(api_for, employers, name, operator, value, message):
    response = api_for([*READ_BOTH, "crm.objects.companies.sensitive.read"]).post(
        CONTACTS_SEARCH, _filter(name, operator, value=value)
    )

    assert response.status_code == 400, response.data
    assert response.data["status"] == "error" and response.data["category"] == "VALIDATION_ERROR"
    (error,) = response.data["errors"]
    assert error["in"] == "filterGroups[0].filters[0]" and message in error["message"]
    assert "lots" not in response.data["message"]
