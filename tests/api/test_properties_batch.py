"""/crm/v3/properties/{objectType}/batch/read|create|archive."""

from __future__ import annotations

import pytest

from crm.models import PropertyDefinition
from tests.api.test_properties import A_TEXT_PROPERTY, READ, WRITE, WRITE_SENSITIVE

pytestmark = pytest.mark.django_db

B = "/crm/v3/properties/contacts/batch"


def test_batch_read_returns_the_named_properties_and_names_the_missing(api_for):
    response = api_for(READ).post(f"{B}/read", {"inputs": [{"name": "email"}, {"name": "nope"}], "archived": False})
    assert response.status_code == 207, response.data
    assert [p["name"] for p in response.data["results"]] == ["email"]
    assert response.data["status"] == "COMPLETE" and response.data["numErrors"] == 1
    assert response.data["errors"][0]["context"] == {"name": ["nope"]}


def test_batch_read_of_a_sensitive_tier(api_for, salary):
    api = api_for([*READ, "crm.objects.contacts.sensitive.read"])
    body = {"inputs": [{"name": "annual_salary"}], "dataSensitivity": "sensitive"}
    response = api.post(f"{B}/read", body)
    assert response.status_code == 200 and response.data["results"][0]["dataSensitivity"] == "sensitive"
    # without dataSensitivity the non-sensitive tier is read, as in the list
    assert api.post(f"{B}/read", {"inputs": [{"name": "annual_salary"}]}).status_code == 207


def test_batch_create_keeps_the_good_inputs_and_reports_the_bad(api_for, contacts_a):
    inputs = [
        {**A_TEXT_PROPERTY, "name": "one"},
        {**A_TEXT_PROPERTY, "name": "email"},
        {**A_TEXT_PROPERTY, "name": "two", "fieldType": "checkbox"},
        "not a property",
    ]
    response = api_for(WRITE).post(f"{B}/create", {"inputs": inputs})
    assert response.status_code == 207, response.data
    assert [p["name"] for p in response.data["results"]] == ["one"]
    assert response.data["numErrors"] == 3
    categories = sorted(error["category"] for error in response.data["errors"])
    assert categories == ["OBJECT_ALREADY_EXISTS", "VALIDATION_ERROR", "VALIDATION_ERROR"]
    assert set(
        PropertyDefinition.objects.filter(object_type=contacts_a, name__in=["one", "two"]).values_list(
            "name", flat=True
        )
    ) == {"one"}


def test_batch_create_of_only_good_inputs_is_a_201(api_for):
    inputs = [{**A_TEXT_PROPERTY, "name": "one"}, {**A_TEXT_PROPERTY, "name": "two"}]
    response = api_for(WRITE).post(f"{B}/create", {"inputs": inputs})
    assert response.status_code == 201 and "errors" not in response.data


def test_batch_create_needs_the_scope_of_every_tier_before_creating_any(api_for, contacts_a):
    inputs = [
        {**A_TEXT_PROPERTY, "name": "one"},
        {**A_TEXT_PROPERTY, "name": "two", "dataSensitivity": "highly_sensitive"},
    ]
    response = api_for(WRITE_SENSITIVE).post(f"{B}/create", {"inputs": inputs})
    assert response.status_code == 403
    assert not PropertyDefinition.objects.filter(object_type=contacts_a, name="one").exists()


def test_more_than_100_inputs_are_refused(api_for):
    inputs = [{**A_TEXT_PROPERTY, "name": f"p{i}"} for i in range(101)]
    response = api_for(WRITE).post(f"{B}/create", {"inputs": inputs})
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "inputs"
    names = [{"name": "email"}] * 101
    assert api_for(READ).post(f"{B}/read", {"inputs": names}).status_code == 400


def test_batch_archive_is_all_or_nothing(api_for, contacts_a):
    api = api_for(WRITE)
    api.post(f"{B}/create", {"inputs": [{**A_TEXT_PROPERTY, "name": "one"}, {**A_TEXT_PROPERTY, "name": "two"}]})
    refused = api.post(f"{B}/archive", {"inputs": [{"name": "one"}, {"name": "email"}]})
    assert refused.status_code == 400
    missing = api.post(f"{B}/archive", {"inputs": [{"name": "one"}, {"name": "nothing"}]})
    assert missing.status_code == 404 and missing.data["context"] == {"name": ["nothing"]}
    assert not PropertyDefinition.objects.filter(object_type=contacts_a, archived_at__isnull=False).exists()
    assert api.post(f"{B}/archive", {"inputs": [{"name": "one"}, {"name": "two"}]}).status_code == 204
    assert PropertyDefinition.objects.filter(object_type=contacts_a, archived_at__isnull=False).count() == 2
