"""Probes: digits that are not ASCII (superscript two passes str.isdigit() and int() refuses it;
Arabic-Indic one passes both) are refused as any other malformed id, number or header: never a 500, never read as 1."""

from __future__ import annotations

import pytest

from tests.api.conftest import WRITE_CONTACTS

pytestmark = pytest.mark.django_db
SCOPES = [*WRITE_CONTACTS, "crm.objects.owners.read", "crm.objects.companies.read", "crm.objects.companies.write"]
CONTACTS = "/crm/v3/objects/contacts"
LINK = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}


@pytest.fixture
def api(api_for):
    return api_for(SCOPES)


@pytest.mark.parametrize("digit", ["\u00b2", "\u0661"])
def test_a_list_limit_in_other_digits_is_a_400(api, alan, digit):
    response = api.get(CONTACTS, {"limit": digit})

    assert response.status_code == 400
    assert response.data["errors"][0]["in"] == "limit"


def test_an_owner_id_in_other_digits_is_not_found_not_the_owner_of_that_number(api, tenant_a_admin):
    arabic_indic = "".join(chr(0x660 + int(digit)) for digit in str(tenant_a_admin.number))

    assert api.get(f"/crm/v3/owners/{arabic_indic}").status_code == 404
    assert api.get("/crm/v3/owners/\u00b2").status_code == 404
    assert api.get(f"/crm/v3/owners/{tenant_a_admin.number}").status_code == 200


@pytest.mark.parametrize("digit", ["\u00b2", "\u0661"])
def test_batch_read_update_and_archive_report_ids_in_other_digits_as_not_found(api, alan, digit):
    read = api.post(f"{CONTACTS}/batch/read", {"inputs": [{"id": digit}], "properties": []})
    update = api.post(f"{CONTACTS}/batch/update", {"inputs": [{"id": digit, "properties": {"firstname": "X"}}]})
    archive = api.post(f"{CONTACTS}/batch/archive", {"inputs": [{"id": digit}]})

    assert read.status_code == 207 and read.data["errors"][0]["context"]["ids"] == [digit]
    assert update.status_code in (207, 400) and not update.data.get("results")
    assert archive.status_code in (204, 207, 400)


@pytest.mark.parametrize("digit", ["\u00b2", "\u0661"])
def test_an_owner_id_value_in_other_digits_is_a_400_naming_the_property(api, alan, digit):
    response = api.patch(f"{CONTACTS}/{alan.number}", {"properties": {"hubspot_owner_id": digit, "firstname": "X"}})

    assert response.status_code == 400
    assert "hubspot_owner_id" in response.data["errors"][0]["in"]
    alan.refresh_from_db()
    assert alan.properties["firstname"] == "Alan"


@pytest.mark.parametrize("digit", ["\u00b2", "\u0661"])
def test_an_association_to_an_id_in_other_digits_is_a_400_and_nothing_is_made(api, alan, digit):
    body = {"properties": {"firstname": "Zed"}, "associations": [{"to": {"id": digit}, "types": [LINK]}]}
    response = api.post(CONTACTS, body)

    assert response.status_code == 400
    assert response.data["errors"][0]["in"] == "associations[0].to.id"


@pytest.mark.parametrize("length", ["\u00b2", "\u0661"])
def test_a_content_length_in_other_digits_is_a_400(api, alan, length):
    response = api.get(CONTACTS, CONTENT_LENGTH=length)

    assert response.status_code == 400
