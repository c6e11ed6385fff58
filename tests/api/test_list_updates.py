"""PUT /crm/v3/lists/{listId}/update-list-name and .../update-list-filters (eager builds)."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.api.conftest import READ_CONTACTS, SENSITIVE_CONTACTS
from tests.workflows.conftest import CANARY, nickname, people  # noqa: F401 - fixtures
from workflows.models import List

pytestmark = pytest.mark.django_db(transaction=True)

LISTS = ["crm.lists.read", "crm.lists.write"]
CANARIES = {"filterGroups": [{"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]}]}
RICH = {"filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "GTE", "value": "40000"}]}]}


def _create(api, **body) -> str:
    body = {"name": "Canaries", "objectTypeId": "0-1", "processingType": "DYNAMIC", **body}
    response = api.post("/crm/v3/lists", body)
    assert response.status_code == 200, response.data
    return response.data["list"]["listId"]


def test_a_list_is_renamed_and_a_taken_or_empty_name_is_a_400(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    list_id = _create(api, **CANARIES)
    _create(api, name="Taken", processingType="MANUAL")

    renamed = api.put(f"/crm/v3/lists/{list_id}/update-list-name?listName=Nicknamed")

    assert renamed.status_code == 200, renamed.data
    assert renamed.data["updatedList"]["name"] == "Nicknamed" and renamed.data["updatedList"]["size"] == 2
    assert List.objects.get(number=int(list_id)).name == "Nicknamed"
    for query in ("listName=taken", "listName=%20", ""):
        response = api.put(f"/crm/v3/lists/{list_id}/update-list-name?{query}")
        assert response.status_code == 400, response.data
        assert response.data["category"] == "VALIDATION_ERROR"
    assert List.objects.get(number=int(list_id)).name == "Nicknamed"


def test_a_new_filter_rebuilds_the_list_and_its_value_is_never_read_back(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    list_id = _create(api, **CANARIES)

    updated = api.put(f"/crm/v3/lists/{list_id}/update-list-filters", RICH)

    assert updated.status_code == 200, updated.data
    body = updated.data["updatedList"]
    assert body["size"] == 2 and body["listVersion"] == 2  # salaries 40,000 and 50,000
    assert body["filterGroups"][0]["filters"][0]["value"] == "REDACTED" and "40000" not in updated.content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LIST_CHANGED, property_names=["annual_salary"]).exists()


def test_bad_filter_updates_are_400s_or_403s_and_change_nothing(api_for, people, diagnosis):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    list_id = _create(api, **CANARIES)
    static_id = _create(api, name="Picked", processingType="MANUAL")
    before = List.objects.get(number=int(list_id)).filters

    for body in (
        {},
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
        {"filterBranch": "x"},
        {"filterGroups": [{"filters": [{"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}]}]},
    ):
        response = api.put(f"/crm/v3/lists/{list_id}/update-list-filters", body)
        assert response.status_code == 400, (body, response.data)
        assert "asthma" not in response.content.decode()
    static = api.put(f"/crm/v3/lists/{static_id}/update-list-filters", RICH)
    assert static.status_code == 400 and "static list" in static.data["message"]
    unscoped = api_for([*LISTS, *READ_CONTACTS]).put(f"/crm/v3/lists/{list_id}/update-list-filters", RICH)
    assert unscoped.status_code == 403
    reader = api_for(["crm.lists.read", *SENSITIVE_CONTACTS])
    assert reader.put(f"/crm/v3/lists/{list_id}/update-list-name?listName=X").status_code == 403
    assert api.put("/crm/v3/lists/999999999/update-list-name?listName=X").status_code == 404
    the_list = List.objects.get(number=int(list_id))
    assert the_list.filters == before and the_list.build == 1 and the_list.name == "Canaries"
