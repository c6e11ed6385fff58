"""/crm/v3/lists: HubSpot's lists API over workflows/ (eager builds)."""

from __future__ import annotations

import pytest

from tests.api.conftest import READ_CONTACTS, SENSITIVE_CONTACTS
from tests.workflows.conftest import CANARY, nickname, people  # noqa: F401 - fixtures
from workflows.models import List

pytestmark = pytest.mark.django_db(transaction=True)

LISTS = ["crm.lists.read", "crm.lists.write"]
CANARIES = {"filterGroups": [{"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]}]}


def _branch(*operations, prop: str = "annual_salary") -> dict:
    filters = [{"filterType": "PROPERTY", "property": prop, "operation": operation} for operation in operations]
    return {"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "AND", "filters": filters}]}


def _create(api, **body):
    return api.post("/crm/v3/lists", {"name": "Canaries", "objectTypeId": "0-1", "processingType": "DYNAMIC", **body})


def test_an_app_creates_an_active_list_and_reads_it_back_without_the_sensitive_value(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])

    created = _create(api, **CANARIES)

    assert created.status_code == 200, created.data
    body = created.data["list"]
    assert body["processingType"] == "DYNAMIC" and body["objectTypeId"] == "0-1"
    assert body["processingStatus"] == "COMPLETE" and body["size"] == 2
    assert body["filterGroups"][0]["filters"][0] == {"propertyName": "nickname", "operator": "EQ", "value": "REDACTED"}
    fetched = api.get(f"/crm/v3/lists/{body['listId']}")
    assert fetched.status_code == 200 and fetched.data["list"]["size"] == 2
    assert CANARY not in fetched.content.decode()
    members = api.get(f"/crm/v3/lists/{body['listId']}/memberships", {"limit": 1})
    assert [m["recordId"] for m in members.data["results"]] == [str(people[1].number)]
    after = members.data["paging"]["next"]["after"]
    rest = api.get(f"/crm/v3/lists/{body['listId']}/memberships", {"after": after})
    assert [m["recordId"] for m in rest.data["results"]] == [str(people[3].number)] and "paging" not in rest.data


def test_a_filter_on_a_sensitive_property_needs_the_tiers_read_scope(api_for, people):
    response = _create(api_for([*LISTS, *READ_CONTACTS]), **CANARIES)

    assert response.status_code == 403
    assert "crm.objects.contacts.sensitive.read" in response.data["context"]["requiredGranularScopes"]
    assert CANARY not in response.content.decode() and not List.objects.exists()


def test_a_highly_sensitive_filter_is_a_400_naming_the_rule(api_for, diagnosis):
    body = {"filterGroups": [{"filters": [{"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}]}]}
    response = _create(api_for([*LISTS, *SENSITIVE_CONTACTS]), **body)

    assert response.status_code == 400
    assert "can't be used in lists" in response.data["message"] and "asthma" not in response.content.decode()


def test_lists_need_the_lists_scopes(api_for, people):
    assert _create(api_for(["crm.lists.read", *SENSITIVE_CONTACTS]), **CANARIES).status_code == 403
    assert api_for(READ_CONTACTS).post("/crm/v3/lists/search", {}).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"processingType": "SNAPSHOT"},
        {"name": 7},
        {"objectTypeId": "0-999"},
        {"filterGroups": "x"},
        {"filterBranch": {"filterBranchType": "AND"}},
        {"filterBranch": {"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "NOT_ALL"}]}},
        {"filterBranch": _branch({"operationType": "STRING", "operator": "CONTAINS", "value": "x"})},
        {
            "filterBranch": _branch(
                {
                    "operationType": "NUMBER",
                    "operator": "IS_EQUAL_TO",
                    "value": "1",
                    "includeObjectsWithNoValueSet": True,
                }
            )
        },
        {"filterBranch": "x"},
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
    ],
)
def test_bad_bodies_are_400s_and_save_nothing(api_for, people, body):
    response = _create(api_for([*LISTS, *SENSITIVE_CONTACTS]), **body)

    assert response.status_code == 400, response.data
    assert response.data["category"] == "VALIDATION_ERROR" and not List.objects.exists()


def test_a_static_lists_members_are_added_and_removed_by_record_id(api_for, people):
    api = api_for([*LISTS, *READ_CONTACTS])
    list_id = _create(api, name="Picked", processingType="MANUAL").data["list"]["listId"]
    ids = [str(p.number) for p in people[:3]]

    added = api.put(f"/crm/v3/lists/{list_id}/memberships/add", [*ids, "999999999", "nonsense"])
    removed = api.put(f"/crm/v3/lists/{list_id}/memberships/remove", ids[:1])

    assert added.status_code == 200, added.data
    assert sorted(added.data["recordsIdsAdded"]) == sorted(ids)
    assert added.data["recordIdsMissing"] == ["999999999", "nonsense"]
    assert removed.data == {"recordIdsRemoved": ids[:1], "recordIdsMissing": []}
    members = api.get(f"/crm/v3/lists/{list_id}/memberships").data["results"]
    assert sorted(m["recordId"] for m in members) == sorted(ids[1:])


def test_lists_are_searched_by_name_and_type_and_deleted(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    first = _create(api, name="Alpha one", processingType="MANUAL").data["list"]["listId"]
    _create(api, name="Beta", **CANARIES)

    found = api.post("/crm/v3/lists/search", {"query": "alpha"}).data
    dynamic = api.post("/crm/v3/lists/search", {"processingTypes": ["DYNAMIC"]}).data
    paged = api.post("/crm/v3/lists/search", {"count": 1}).data

    assert [item["name"] for item in found["lists"]] == ["Alpha one"] and found["total"] == 1
    assert [item["name"] for item in dynamic["lists"]] == ["Beta"]
    assert paged["hasMore"] is True and paged["offset"] == 1 and paged["total"] == 2
    assert api.delete(f"/crm/v3/lists/{first}").status_code == 204
    assert api.get(f"/crm/v3/lists/{first}").status_code == 404
    assert api.get("/crm/v3/lists/abc").status_code == 404


def test_another_tenants_list_is_a_404(api_for, tenant_b_user, contacts_b):
    from workflows import services

    theirs = services.list_create(actor=tenant_b_user, object_type=contacts_b, name="Theirs")
    assert api_for(LISTS).get(f"/crm/v3/lists/{theirs.number}").status_code == 404


def test_hubspots_filter_branch_makes_the_same_list(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    branch = _branch(
        {"operationType": "NUMBER", "operator": "IS_GREATER_THAN_OR_EQUAL_TO", "value": "20000"},
        {"operationType": "NUMBER_RANGED", "operator": "IS_BETWEEN", "lowerBound": "10000", "upperBound": "40000"},
    )
    branch["filterBranches"].append(
        {
            "filterBranchType": "AND",
            "filters": [
                {
                    "filterType": "PROPERTY",
                    "property": "nickname",
                    "operation": {"operationType": "MULTISTRING", "operator": "IS_ANY_OF", "values": ["other5"]},
                }
            ],
        }
    )

    body = _create(api, filterBranch=branch).data["list"]

    assert body["size"] == 4 and body["processingStatus"] == "COMPLETE"
    members = api.get(f"/crm/v3/lists/{body['listId']}/memberships").data["results"]
    assert sorted(m["recordId"] for m in members) == sorted(str(p.number) for p in people[1:])
    assert [f["operator"] for f in body["filterGroups"][0]["filters"]] == ["GTE", "BETWEEN"]
    assert body["filterGroups"][1]["filters"][0]["value"] == "REDACTED"


def test_ids_in_other_digits_or_too_long_are_no_500(api_for, people):
    api = api_for([*LISTS, *READ_CONTACTS])
    list_id = _create(api, name="Picked", processingType="MANUAL").data["list"]["listId"]
    odd = ["\u00b2", "\u0661", "9" * 30]  # a superscript two, an Arabic-Indic one, too many digits
    added = api.put(f"/crm/v3/lists/{list_id}/memberships/add", odd)
    assert added.status_code == 200, added.data
    assert added.data["recordsIdsAdded"] == [] and added.data["recordIdsMissing"] == odd
    for ids in (["\u00b2"], ["9" * 30], 5, "12"):
        assert api.post("/crm/v3/lists/search", {"listIds": ids}).status_code == 400
