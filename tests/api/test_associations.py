"""HubSpot's v4 associations: default and labelled links, the list with paging, unlink, batch read, labels."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from crm import selectors, services
from crm.models import Association, RecordScope
from crm.records import api as records
from crm.records import services as record_services
from tests.api.conftest import ApiClient
from tests.factories import make_record

pytestmark = pytest.mark.django_db

READ_BOTH = ["crm.objects.contacts.read", "crm.objects.companies.read"]
LINK = [*READ_BOTH, "crm.objects.contacts.write"]


@pytest.fixture
def acme(tenant_a_admin, companies_a):
    return make_record(tenant_a_admin, companies_a, name="Acme Corp", domain="acme.test")


@pytest.fixture
def deals_a(tenant_a_admin):
    return selectors.object_type_get(actor=tenant_a_admin, name="deals")


def _default(api, contact, company, from_type="contacts", to_type="companies"):
    return api.put(f"/crm/v4/objects/{from_type}/{contact.number}/associations/default/{to_type}/{company.number}")


def _list(api, record, from_type="contacts", to_type="companies", **params):
    return api.get(f"/crm/v4/objects/{from_type}/{record.number}/associations/{to_type}", params)


def _labels(api, contact, company, body):
    return api.put(f"/crm/v4/objects/contacts/{contact.number}/associations/companies/{company.number}", body)


def test_the_default_link_answers_as_hubspot_with_both_directions(api_for, alan, acme):
    response = _default(api_for(LINK), alan, acme)

    assert response.status_code == 200, response.data
    body = response.data
    assert body["status"] == "COMPLETE" and body["startedAt"].endswith("Z") and body["completedAt"]
    assert body["results"] == [
        {
            "from": {"id": str(alan.number)},
            "to": {"id": str(acme.number)},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279},
        },
        {
            "from": {"id": str(acme.number)},
            "to": {"id": str(alan.number)},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280},
        },
    ]
    assert Association.objects.filter(from_record=alan, to_record=acme, label="").count() == 1


def test_linking_twice_or_from_the_other_end_makes_one_link(api_for, alan, acme):
    api = api_for([*LINK, "crm.objects.companies.write"])
    _default(api, alan, acme)
    _default(api, alan, acme)
    assert _default(api, acme, alan, "companies", "contacts").status_code == 200
    assert Association.objects.count() == 1


@pytest.mark.parametrize(
    ("from_type", "to_type", "type_id"),
    [
        ("contacts", "companies", 279),
        ("companies", "contacts", 280),
        ("deals", "contacts", 3),
        ("contacts", "deals", 4),
        ("deals", "companies", 341),
        ("companies", "deals", 342),
    ],
)
def test_the_list_reads_hubspots_default_type_from_either_end(
    api_for, tenant_a_admin, alan, acme, deals_a, from_type, to_type, type_id
):
    deal = make_record(tenant_a_admin, deals_a, dealname="Renewal")
    records = {"contacts": alan, "companies": acme, "deals": deal}
    record_services.association_create(actor=tenant_a_admin, from_record=alan, to_record=acme)
    record_services.association_create(actor=tenant_a_admin, from_record=deal, to_record=alan)
    record_services.association_create(actor=tenant_a_admin, from_record=acme, to_record=deal)
    api = api_for([f"crm.objects.{name}.read" for name in records])

    response = _list(api, records[from_type], from_type, to_type)

    assert response.status_code == 200, response.data
    assert response.data == {
        "results": [
            {
                "toObjectId": records[to_type].number,
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
            }
        ]
    }


def test_type_ids_and_singular_names_name_the_object_types(api_for, alan, acme):
    api = api_for(LINK)
    assert _default(api, alan, acme, "0-1", "company").status_code == 200
    assert _list(api, acme, "0-2", "contact").data["results"][0]["toObjectId"] == alan.number


def test_the_primary_company_label_is_hubspots_own_type(api_for, alan, acme):
    api = api_for([*LINK, "crm.objects.companies.write"])

    response = _labels(api, alan, acme, [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}])

    assert response.status_code == 201, response.data
    assert response.data == {
        "fromObjectTypeId": "0-1",
        "fromObjectId": alan.number,
        "toObjectTypeId": "0-2",
        "toObjectId": acme.number,
        "labels": ["Primary"],
    }
    assert _list(api, alan).data["results"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
        {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
    ]
    assert [t["typeId"] for t in _list(api, acme, "companies", "contacts").data["results"][0]["associationTypes"]] == [
        280,
        2,
    ]


def test_a_label_of_the_tenant_is_a_user_defined_type_listed_with_the_labels(
    api_for, tenant_a_admin, alan, grace, acme
):
    record_services.association_create(actor=tenant_a_admin, from_record=grace, to_record=acme, label="Billing contact")
    api = api_for(LINK)

    definitions = api.get("/crm/v4/associations/contacts/companies/labels").data["results"]
    billing = next(spec for spec in definitions if spec["label"] == "Billing contact")
    assert billing["category"] == "USER_DEFINED" and billing["typeId"] > 1000
    assert {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None} in definitions
    assert {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"} in definitions

    response = _labels(
        api, alan, acme, [{"associationCategory": "USER_DEFINED", "associationTypeId": billing["typeId"]}]
    )
    assert response.status_code == 201 and response.data["labels"] == ["Billing contact"]
    assert set(Association.objects.filter(from_record=alan).values_list("label", flat=True)) == {"", "Billing contact"}
    # the other direction has its own id, as HubSpot's paired labels
    back = api_for(READ_BOTH).get("/crm/v4/associations/companies/contacts/labels").data["results"]
    assert next(s for s in back if s["label"] == "Billing contact")["typeId"] != billing["typeId"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"associationTypeId": 279}, id="not_a_list_case"),
        pytest.param([], id="empty_case"),
        pytest.param([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 999}], id="unknown_type_case"),
        pytest.param([{"associationCategory": "USER_DEFINED", "associationTypeId": 279}], id="wrong_category_case"),
        pytest.param([{"associationCategory": "NOPE", "associationTypeId": 279}], id="bad_category_case"),
        pytest.param([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": "279"}], id="text_id_case"),
        pytest.param(["279"], id="not_an_object_case"),
        pytest.param(
            [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1},
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3},
            ],
            id="one_bad_of_two_case",
        ),
    ],
)
def test_a_bad_label_body_is_a_400_and_links_nothing(api_for, alan, acme, body):
    response = _labels(api_for(LINK), alan, acme, body)
    assert response.status_code == 400, response.data
    assert response.data["category"] == "VALIDATION_ERROR" and response.data["errors"][0]["in"]
    assert not Association.objects.exists()


def test_malformed_json_is_a_400(api_for, alan, acme):
    response = _labels(api_for(LINK), alan, acme, "[{nope")
    assert response.status_code == 400 and response.data["errors"][0]["code"] == "INVALID_JSON"


def test_unlinking_removes_every_label_from_either_end(api_for, tenant_a_admin, alan, acme):
    record_services.association_create(actor=tenant_a_admin, from_record=acme, to_record=alan)
    record_services.association_create(actor=tenant_a_admin, from_record=alan, to_record=acme, label="Primary")
    api = api_for(LINK)

    response = api.delete(f"/crm/v4/objects/contacts/{alan.number}/associations/companies/{acme.number}")

    assert response.status_code == 204 and not response.content
    assert not Association.objects.exists()
    assert _list(api, alan).data == {"results": []}
    again = api.delete(f"/crm/v4/objects/contacts/{alan.number}/associations/companies/{acme.number}")
    assert again.status_code == 204


def test_a_record_cannot_be_linked_to_itself(api_for, alan):
    response = _default(
        api_for(["crm.objects.contacts.read", "crm.objects.contacts.write"]), alan, alan, "contacts", "contacts"
    )
    assert response.status_code == 400 and not Association.objects.exists()


# Scopes


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        pytest.param(LINK, True, id="write_from_read_to_case"),
        pytest.param(READ_BOTH, False, id="no_write_case"),
        pytest.param(["crm.objects.contacts.write", "crm.objects.companies.read"], True, id="write_alone_case"),
        pytest.param(["crm.objects.contacts.read", "crm.objects.contacts.write"], False, id="no_read_of_to_case"),
        pytest.param(["crm.objects.companies.write", *READ_BOTH], False, id="write_of_to_only_case"),
        pytest.param(["crm.objects.contacts.sensitive.write", *READ_BOTH], False, id="sensitive_is_not_plain_case"),
    ],
)
@pytest.mark.parametrize("call", ["default", "labels", "delete"])
def test_writing_needs_the_write_scope_of_from_and_the_read_scope_of_to(api_for, alan, acme, scopes, allowed, call):
    api = api_for(scopes)
    url = f"/crm/v4/objects/contacts/{alan.number}/associations/companies/{acme.number}"
    response = {
        "default": lambda: _default(api, alan, acme),
        "labels": lambda: api.put(url, [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]),
        "delete": lambda: api.delete(url),
    }[call]()
    if allowed:
        assert response.status_code in (200, 201, 204), response.data
    else:
        assert response.status_code == 403 and response.data["category"] == "MISSING_SCOPES"
        assert not Association.objects.exists()


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        pytest.param(READ_BOTH, [], id="both_case"),
        pytest.param(["crm.objects.contacts.read"], ["crm.objects.companies.read"], id="no_to_case"),
        pytest.param(["crm.objects.companies.read"], ["crm.objects.contacts.read"], id="no_from_case"),
        pytest.param(["crm.objects.contacts.write", "crm.objects.companies.write"], None, id="write_is_not_read_case"),
    ],
)
@pytest.mark.parametrize("call", ["list", "batch", "labels"])
def test_reading_needs_the_read_scope_of_both_types(api_for, alan, acme, scopes, missing, call):
    api = api_for(scopes)
    response = {
        "list": lambda: _list(api, alan),
        "batch": lambda: api.post(
            "/crm/v4/associations/contacts/companies/batch/read", {"inputs": [{"id": str(alan.number)}]}
        ),
        "labels": lambda: api.get("/crm/v4/associations/contacts/companies/labels"),
    }[call]()
    if missing == []:
        assert response.status_code == 200, response.data
    else:
        assert response.status_code == 403 and response.data["category"] == "MISSING_SCOPES"
        if missing:
            assert response.data["context"]["requiredGranularScopes"] == missing


def test_tickets_use_their_one_scope_both_ways(api_for, tenant_a_admin, alan):
    tickets = selectors.object_type_get(actor=tenant_a_admin, name="tickets")
    ticket = make_record(tenant_a_admin, tickets, subject="Broken")
    api = api_for(["tickets", "crm.objects.contacts.read"])
    assert (
        _default(api, ticket, alan, "tickets", "contacts").data["results"][0]["associationSpec"]["associationTypeId"]
        == 16
    )
    assert _list(api, ticket, "tickets", "contacts").data["results"][0]["toObjectId"] == alan.number


def test_a_custom_object_gets_a_stable_type_of_its_own(api_for, tenant_a_admin, alan):
    cars = services.object_type_create(actor=tenant_a_admin, name="cars", label_singular="Car", label_plural="Cars")
    car = make_record(tenant_a_admin, cars, name="Beetle")
    api = api_for(["crm.objects.custom.read", "crm.objects.custom.write", "crm.objects.contacts.read"])
    first = _default(api, car, alan, cars.type_id, "contacts").data["results"][0]["associationSpec"]
    again = _default(api, car, alan, "cars", "contacts").data["results"][0]["associationSpec"]
    assert first == again and first["associationTypeId"] > 1000


# Tenants and record scopes


def test_another_tenants_record_is_a_404_like_a_missing_one(api_for, tenant_b_user, contacts_b, alan, acme):
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob")
    api = api_for([*LINK, "crm.objects.companies.write"])
    for url in (
        f"/crm/v4/objects/contacts/{theirs.number}/associations/default/companies/{acme.number}",
        f"/crm/v4/objects/companies/{acme.number}/associations/default/contacts/{theirs.number}",
        f"/crm/v4/objects/contacts/{theirs.number}/associations/companies/{acme.number}",
        "/crm/v4/objects/contacts/999999999/associations/default/companies/" + str(acme.number),
    ):
        response = api.put(url, [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}])
        assert response.status_code == 404 and response.data["category"] == "OBJECT_NOT_FOUND", url
    foreign = _list(api, theirs)
    missing = api.get("/crm/v4/objects/contacts/999999999/associations/companies")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.data["message"] == missing.data["message"]
    deleted = api.delete(f"/crm/v4/objects/contacts/{theirs.number}/associations/companies/{acme.number}")
    assert deleted.status_code == 404
    assert not Association.objects.exists()


def test_an_app_has_no_record_scope_its_scopes_say_what_it_reads(make_app, tenant_a_admin, companies_a):
    app, _ = make_app(LINK)
    with pytest.raises(ValidationError):
        record_services.record_scope_set(actor=tenant_a_admin, user=app.user, object_type=companies_a, scope="owned")
    assert not RecordScope.objects.filter(user=app.user).exists()


# Paging


def test_paging_walks_every_link_once(api_for, tenant_a_admin, alan, companies_a):
    companies = [make_record(tenant_a_admin, companies_a, name=f"Company {n}") for n in range(7)]
    for company in companies:
        record_services.association_create(actor=tenant_a_admin, from_record=alan, to_record=company)
    api = api_for(READ_BOTH)

    seen, after, pages = [], None, 0
    while True:
        response = _list(api, alan, limit=3, **({"after": after} if after else {}))
        assert response.status_code == 200, response.data
        seen += [item["toObjectId"] for item in response.data["results"]]
        pages += 1
        if "paging" not in response.data:
            break
        after = response.data["paging"]["next"]["after"]
        assert f"after={after}" in response.data["paging"]["next"]["link"]

    assert pages == 3
    assert seen == sorted(company.number for company in companies)


@pytest.mark.parametrize(
    "params",
    [{"after": "abc"}, {"after": "-1"}, {"limit": "0"}, {"limit": "501"}, {"limit": "ten"}],
    ids=["text_after", "negative_after", "zero_limit", "big_limit", "text_limit"],
)
def test_a_bad_paging_parameter_is_a_400(api_for, alan, params):
    response = _list(api_for(READ_BOTH), alan, **params)
    assert response.status_code == 400 and response.data["category"] == "VALIDATION_ERROR"


# Batch read


def test_the_batch_read_answers_each_input_and_names_the_missing_ones(
    api_for, tenant_a_admin, tenant_b_user, contacts_b, alan, grace, acme
):
    record_services.association_create(actor=tenant_a_admin, from_record=acme, to_record=alan, label="Primary")
    theirs = make_record(tenant_b_user, contacts_b, firstname="Bob")
    inputs = [{"id": str(alan.number)}, {"id": grace.number}, {"id": str(theirs.number)}, {"id": "nope"}]

    response = api_for(READ_BOTH).post("/crm/v4/associations/contacts/companies/batch/read", {"inputs": inputs})

    assert response.status_code == 207, response.data
    body = response.data
    assert body["status"] == "COMPLETE" and body["numErrors"] == 1
    assert body["results"] == [
        {
            "from": {"id": str(alan.number)},
            "to": [
                {
                    "toObjectId": acme.number,
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                        {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
                    ],
                }
            ],
        },
        {"from": {"id": str(grace.number)}, "to": []},
    ]
    error = body["errors"][0]
    assert error["status"] == "error" and error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"]["ids"] == [str(theirs.number), "nope"]


def test_a_batch_read_of_found_ids_only_is_a_200(api_for, alan):
    response = api_for(READ_BOTH).post(
        "/crm/v4/associations/contacts/companies/batch/read", {"inputs": [{"id": str(alan.number)}]}
    )
    assert response.status_code == 200 and "errors" not in response.data


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no_inputs_case"),
        pytest.param({"inputs": "1"}, id="not_a_list_case"),
        pytest.param({"inputs": [{}]}, id="no_id_case"),
        pytest.param({"inputs": [{"id": "1", "after": "x"}]}, id="bad_after_case"),
        pytest.param({"inputs": [{"id": str(n)} for n in range(1001)]}, id="too_many_case"),
        pytest.param([{"id": "1"}], id="a_list_case"),
    ],
)
def test_a_bad_batch_body_is_a_400(api_for, body):
    response = api_for(READ_BOTH).post("/crm/v4/associations/contacts/companies/batch/read", body)
    assert response.status_code == 400 and response.data["category"] == "VALIDATION_ERROR", response.data


# Paths


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("put", "/crm/v4/objects/planets/1/associations/default/companies/2", 400),
        ("put", "/crm/v4/objects/contacts/abc/associations/default/companies/2", 404),
        ("get", "/crm/v4/objects/contacts/1/associations/default/companies/2", 405),
        ("post", "/crm/v4/objects/contacts/1/associations/companies", 405),
    ],
)
def test_bad_paths_and_methods_answer_in_hubspots_shape(api_for, method, url, status):
    response = getattr(api_for(LINK), method)(url)
    assert response.status_code == status and response.data["status"] == "error"


def test_links_to_archived_records_are_left_out_of_lists_and_batches(tenant_a_admin, contacts_a, companies_a, make_app):
    contact = make_record(tenant_a_admin, contacts_a, firstname="Ann")
    kept, gone = (make_record(tenant_a_admin, companies_a, name=name) for name in ("Kept", "Gone"))
    _, token = make_app(["crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.contacts.write"])
    api = ApiClient(token)
    for company in (kept, gone):
        api.put(f"/crm/v4/objects/contacts/{contact.number}/associations/default/companies/{company.number}")
    records.record_archive(actor=tenant_a_admin, record=gone)
    listed = api.get(f"/crm/v4/objects/contacts/{contact.number}/associations/companies").data
    assert [row["toObjectId"] for row in listed["results"]] == [kept.number]
    batch = api.post("/crm/v4/associations/contacts/companies/batch/read", {"inputs": [{"id": str(contact.number)}]})
    assert [row["toObjectId"] for row in batch.data["results"][0]["to"]] == [kept.number]


def test_linking_and_unlinking_are_audited_naming_the_app(make_app, alan, acme):
    app, token = make_app(LINK)
    api = ApiClient(token)
    assert _default(api, alan, acme).status_code in (200, 201)
    created = AuditEvent.objects.get(kind=AuditEvent.Kind.ASSOCIATION_CREATED, actor=app.user)
    assert set(created.record_ids) == {str(alan.pk), str(acme.pk)} and created.surface == "api"
    assert api.delete(f"/crm/v4/objects/contacts/{alan.number}/associations/companies/{acme.number}").status_code == 204
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ASSOCIATION_DELETED, actor=app.user).count() == 1
