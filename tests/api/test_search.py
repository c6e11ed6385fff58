"""POST /crm/v3/objects/{objectType}/search: HubSpot's shape, total and paging, sorts, the text
query, scopes for sensitive filters and sorts, audit, and the per-second search limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from crm.models import Record
from crm.records import services as record_services
from crm.records.filters import search as record_search
from tests.api.conftest import HIGHLY_SENSITIVE_CONTACTS, READ_CONTACTS, SENSITIVE_CONTACTS, ApiClient
from tests.factories import make_record

pytestmark = pytest.mark.django_db
SEARCH = "/crm/v3/objects/contacts/search"


@pytest.fixture(autouse=True)
def _no_search_limit(settings):
    settings.API_SEARCH_PER_SECOND = 10_000


@pytest.fixture
def people(tenant_a_admin, contacts_a, salary, diagnosis):
    """Eight contacts in creation (and id) order; some with a salary or a diagnosis."""
    rows = [
        {"firstname": "Ada", "lastname": "Lovelace", "email": "ada@engines.test", "annual_salary": 70_000},
        {"firstname": "Alan", "lastname": "Turing", "phone": "+44 20 7946 0000", "annual_salary": 90_000},
        {"firstname": "Grace", "lastname": "Hopper", "annual_salary": 80_000, "diagnosis": "asthma"},
        {"firstname": "Edsger", "lastname": "Dijkstra", "diagnosis": "diabetes"},
        {"firstname": "Barbara", "lastname": "Liskov", "annual_salary": 70_000},
        {"firstname": "Donald", "lastname": "Knuth"},
        {"firstname": "Frances", "lastname": "Allen", "diagnosis": "asthma"},
        {"firstname": "Ken", "lastname": "Thompson", "annual_salary": 60_000},
    ]
    made = record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)
    start = timezone.now() - dt.timedelta(hours=1)
    for minutes, record in enumerate(made):  # a bulk create stamps them all alike
        Record.objects.filter(pk=record.pk).update(created_at=start + dt.timedelta(minutes=minutes))
    return made


def _firstnames(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [result["properties"]["firstname"] for result in response.data["results"]]


def _filter(name: str, operator: str, **spec) -> dict:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": operator, **spec}]}]}


# --- shape, total and paging ---------------------------------------------------------------------


def test_an_empty_body_returns_contacts_in_hubspots_shape_with_a_total(api_for, people):
    response = api_for(READ_CONTACTS).post(SEARCH, {})

    assert response.status_code == 200
    body = response.data
    assert body["total"] == 8 and len(body["results"]) == 8 and "paging" not in body
    first = body["results"][0]
    assert first["id"] == str(people[0].number)
    assert set(first) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert set(first["properties"]) == {
        "email",
        "firstname",
        "lastname",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    }


def test_pages_follow_paging_next_after_to_the_end_without_a_gap_or_a_repeat(api_for, people):
    api, seen, after = api_for(READ_CONTACTS), [], None
    while True:
        body = api.post(SEARCH, {"limit": 3, **({"after": after} if after else {})}).data
        assert body["total"] == 8
        seen += [result["id"] for result in body["results"]]
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert set(body["paging"]["next"]) == {"after"} and after.isdigit()

    assert seen == [str(record.number) for record in people]


def test_the_total_counts_every_match_and_the_page_holds_the_limit(api_for, people):
    body = api_for(SENSITIVE_CONTACTS).post(SEARCH, {**_filter("annual_salary", "HAS_PROPERTY"), "limit": 2}).data

    assert body["total"] == 5 and len(body["results"]) == 2
    assert body["paging"] == {"next": {"after": "2"}}


def test_a_search_goes_no_deeper_than_its_results_limit(api_for, people, monkeypatch):
    # given the 10,000 of HubSpot, made 5 here
    monkeypatch.setattr(record_search, "MAX_RESULTS", 5)
    api = api_for(READ_CONTACTS)

    # when
    second = api.post(SEARCH, {"limit": 3, "after": "3"})
    beyond = api.post(SEARCH, {"limit": 3, "after": "5"})

    # then
    assert second.data["total"] == 8 and len(second.data["results"]) == 2 and "paging" not in second.data
    assert beyond.status_code == 400 and beyond.data["errors"][0]["in"] == "after"


def test_a_limit_of_zero_gives_the_total_alone(api_for, people):
    body = api_for(READ_CONTACTS).post(SEARCH, {"limit": 0}).data

    assert body == {"total": 8, "results": []}


# --- sorts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        ([{"propertyName": "lastname", "direction": "ASCENDING"}], ["Frances", "Edsger", "Grace", "Donald"]),
        ([{"propertyName": "lastname", "direction": "DESCENDING"}], ["Alan", "Ken", "Ada", "Barbara"]),
        (["-createdate"], ["Ken", "Frances", "Donald", "Barbara"]),
        (["hs_object_id"], ["Ada", "Alan", "Grace", "Edsger"]),
        ([{"propertyName": "phone"}], ["Alan", "Ada", "Grace", "Edsger"]),  # those without a value last
    ],
    ids=["plain-asc", "plain-desc", "string-form", "id", "missing-last"],
)
def test_it_sorts_in_sql(api_for, people, sorts, expected):
    assert _firstnames(api_for(READ_CONTACTS).post(SEARCH, {"sorts": sorts, "limit": 4})) == expected


def test_a_sort_on_a_sensitive_property_orders_in_memory_and_is_audited(api_for, people, make_app):
    app, token = make_app(SENSITIVE_CONTACTS)
    body = {"sorts": [{"propertyName": "annual_salary", "direction": "DESCENDING"}], "limit": 6}

    response = ApiClient(token).post(SEARCH, {**body, "query": "a"})

    # Alan 90k, Grace 80k, Ada and Barbara 70k (by id), then those without a salary, by id
    assert _firstnames(response) == ["Alan", "Grace", "Ada", "Barbara", "Edsger", "Donald"]
    (event,) = AuditEvent.objects.filter(actor=app.user, details__purpose="search")
    matching = [record for record in people if "a" in record.display_name.lower()]
    assert sorted(event.record_ids) == sorted(str(record.pk) for record in matching)
    assert event.property_names == ["annual_salary"] and event.surface == "api"


def test_a_sort_on_a_sensitive_property_without_its_scope_is_a_403_naming_it(api_for, people):
    response = api_for(READ_CONTACTS).post(SEARCH, {"sorts": ["-annual_salary"]})

    assert response.status_code == 403 and response.data["category"] == "MISSING_SCOPES"
    assert "sort by Annual salary" in response.data["message"]
    assert response.data["errors"][0]["in"] == "properties.annual_salary"
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()


@pytest.mark.parametrize(
    "sorts",
    [["a", "b"], [{"propertyName": "lastname", "direction": "UP"}], ["nothing_here"], "lastname", [{"x": 1}]],
    ids=["two", "direction", "unknown", "not-a-list", "shape"],
)
def test_a_bad_sort_is_a_400(api_for, people, sorts):
    response = api_for(READ_CONTACTS).post(SEARCH, {"sorts": sorts})

    assert response.status_code == 400 and response.data["errors"][0]["in"] == "sorts"


# --- query text and properties --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("engines.test", ["Ada"]), ("7946", ["Alan"]), ("HOPP", ["Grace"]), ("nobody", [])],
    ids=["email", "phone", "name", "none"],
)
def test_query_searches_the_default_text_properties(api_for, people, text, expected):
    assert _firstnames(api_for(READ_CONTACTS).post(SEARCH, {"query": text})) == expected


def test_query_and_filters_combine(api_for, people):
    response = api_for(SENSITIVE_CONTACTS).post(
        SEARCH, {"query": "a", **_filter("annual_salary", "GTE", value="80000")}
    )

    assert _firstnames(response) == ["Alan", "Grace"]


def test_properties_choose_what_comes_back_and_what_the_token_may_not_read_is_named(api_for, people):
    body = api_for(SENSITIVE_CONTACTS).post(SEARCH, {"properties": ["annual_salary", "diagnosis", "nope"], "limit": 3})

    grace = body.data["results"][2]
    assert grace["properties"]["annual_salary"] == "80000"
    assert grace["restrictedProperties"] == ["diagnosis"]
    assert set(grace["properties"]) == {"annual_salary", "hs_object_id", "createdate", "lastmodifieddate"}


# --- scopes, tiers and audit ---------------------------------------------------------------------------


def test_the_search_needs_the_read_scope_of_the_type(api_for, people):
    response = api_for(["crm.objects.companies.read"]).post(SEARCH, {})

    assert response.status_code == 403
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.contacts.read"]


def test_a_filter_on_a_sensitive_property_without_its_scope_is_a_403_and_decrypts_nothing(api_for, people):
    response = api_for(READ_CONTACTS).post(SEARCH, _filter("annual_salary", "GT", value="1"))

    assert response.status_code == 403
    assert response.data["message"] == "You may not filter on Annual salary (annual_salary)."
    assert response.data["context"]["requiredGranularScopes"] == [
        "crm.objects.contacts.sensitive.read",
        "crm.objects.contacts.highly_sensitive.read",
    ]
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()


def test_a_filter_on_a_highly_sensitive_property_needs_its_scope_and_is_a_reveal(api_for, people, make_app):
    body = _filter("diagnosis", "EQ", value="asthma")
    refused = api_for(SENSITIVE_CONTACTS).post(SEARCH, body)
    app, token = make_app(HIGHLY_SENSITIVE_CONTACTS)

    allowed = ApiClient(token).post(SEARCH, body)

    assert refused.status_code == 403
    assert refused.data["context"]["requiredGranularScopes"] == ["crm.objects.contacts.highly_sensitive.read"]
    assert _firstnames(allowed) == ["Grace", "Frances"]
    (reveal,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL, actor=app.user)
    assert sorted(reveal.record_ids) == sorted([str(people[2].pk), str(people[6].pk)])
    assert reveal.details == {"purpose": "search"} and reveal.surface == "api"


def test_the_allowlist_limits_filters_as_it_limits_reads(api_for, people):
    api = api_for(HIGHLY_SENSITIVE_CONTACTS, sensitive_allowlist=["contacts.annual_salary"])

    assert api.post(SEARCH, _filter("annual_salary", "LT", value="65000")).status_code == 200
    assert api.post(SEARCH, _filter("diagnosis", "HAS_PROPERTY")).status_code == 403


def test_another_tenants_records_never_match(api_for, people, tenant_b_user, contacts_b):
    make_record(tenant_b_user, contacts_b, firstname="Bea", lastname="Lovelace")

    assert _firstnames(api_for(READ_CONTACTS).post(SEARCH, _filter("lastname", "EQ", value="lovelace"))) == ["Ada"]


def test_type_ids_stand_for_names(api_for, people):
    assert api_for(READ_CONTACTS).post("/crm/v3/objects/0-1/search", {"limit": 1}).data["total"] == 8


def test_built_in_properties_filter_as_hubspots(api_for, people):
    api = api_for(READ_CONTACTS)
    ids = [str(people[1].number), str(people[5].number)]

    by_id = api.post(SEARCH, _filter("hs_object_id", "IN", values=ids))
    modified = api.post(SEARCH, _filter("lastmodifieddate", "GTE", value="0"))
    owned = api.post(SEARCH, _filter("hubspot_owner_id", "EQ", value=str(people[0].owner.number)))

    assert _firstnames(by_id) == ["Alan", "Donald"]
    assert modified.data["total"] == 8 and owned.data["total"] == 8


# --- rate limit ----------------------------------------------------------------------------------------


def test_the_per_second_search_limit_applies_with_its_headers(api_for, people, settings):
    settings.API_SEARCH_PER_SECOND = 2
    api = api_for(READ_CONTACTS)

    responses = [api.post(SEARCH, {"limit": 1}) for _ in range(10)]  # within at most two seconds' windows

    assert responses[0]["X-HubSpot-RateLimit-Secondly"] == "2"
    assert responses[0]["X-HubSpot-RateLimit-Secondly-Remaining"] == "1"
    assert responses[0]["X-HubSpot-RateLimit-Max"]  # the burst limit applies too
    refused = [response for response in responses if response.status_code == 429]
    assert refused and refused[0].data["policyName"] == "SECONDLY"
