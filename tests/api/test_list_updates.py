"""PUT /crm/v3/lists/{id}/update-list-name and /update-list-filters."""

from __future__ import annotations

import pytest

from tests.api.conftest import READ_CONTACTS, SENSITIVE_CONTACTS
from tests.api.test_lists import CANARIES, LISTS, _branch, _create
from tests.workflows.conftest import CANARY, nickname, people  # noqa: F401 - fixtures
from workflows.models import List

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_list_is_renamed_and_a_taken_name_is_a_400(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    list_id = _create(api, **CANARIES).data["list"]["listId"]
    api.post("/crm/v3/lists", {"name": "Other", "objectTypeId": "0-1", "processingType": "MANUAL"})

    renamed = api.put(f"/crm/v3/lists/{list_id}/update-list-name?listName=Birds")
    assert renamed.status_code == 200 and renamed.data["updatedList"]["name"] == "Birds"

    taken = api.put(f"/crm/v3/lists/{list_id}/update-list-name?listName=other")
    assert taken.status_code == 400 and "already a list named" in taken.data["message"]
    assert api.put(f"/crm/v3/lists/{list_id}/update-list-name").status_code == 400
    assert List.objects.get(number=int(list_id)).name == "Birds"


def test_new_filters_rebuild_the_list_and_are_never_read_back(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    list_id = _create(api, **CANARIES).data["list"]["listId"]

    changed = api.put(
        f"/crm/v3/lists/{list_id}/update-list-filters",
        {"filterBranch": _branch({"operationType": "NUMBER", "operator": "IS_GREATER_THAN", "value": 30000})},
    )

    assert changed.status_code == 200, changed.data
    body = changed.data["updatedList"]
    assert body["size"] == 2 and body["listVersion"] == 2  # 40k and 50k, built again
    assert body["filterGroups"][0]["filters"][0]["value"] == "REDACTED"
    assert "30000" not in changed.content.decode()


def test_a_filter_change_is_refused_as_a_creation_would_be_and_changes_nothing(api_for, people, diagnosis):
    owner = api_for([*LISTS, *SENSITIVE_CONTACTS])
    list_id = _create(owner, **CANARIES).data["list"]["listId"]
    plain_token = api_for([*LISTS, *READ_CONTACTS])

    no_scope = plain_token.put(f"/crm/v3/lists/{list_id}/update-list-filters", CANARIES)
    highly = owner.put(
        f"/crm/v3/lists/{list_id}/update-list-filters",
        {"filterGroups": [{"filters": [{"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}]}]},
    )
    unknown = owner.put(
        f"/crm/v3/lists/{list_id}/update-list-filters",
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]},
    )
    empty = owner.put(f"/crm/v3/lists/{list_id}/update-list-filters", {})

    assert no_scope.status_code == 403 and CANARY not in no_scope.content.decode()
    assert highly.status_code == 400 and "asthma" not in highly.content.decode()
    assert unknown.status_code == 400 and empty.status_code == 400
    the_list = List.objects.get(number=int(list_id))
    assert the_list.build == 1 and the_list.member_count == 2


def test_a_static_list_has_no_filter_to_change(api_for, people):
    api = api_for([*LISTS, *SENSITIVE_CONTACTS])
    created = api.post("/crm/v3/lists", {"name": "Hand", "objectTypeId": "0-1", "processingType": "MANUAL"})
    response = api.put(f"/crm/v3/lists/{created.data['list']['listId']}/update-list-filters", CANARIES)
    assert response.status_code == 400 and "MANUAL" in response.data["message"]
