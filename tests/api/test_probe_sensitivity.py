"""Probes: a token that may write a sensitive property's values but not read them can't make them
readable by lowering the property's sensitivity (the values would land in plain JSON for every
token with the plain read scope)."""

from __future__ import annotations

import pytest

from crm.models import PropertyDefinition
from tests.api.conftest import WRITE_CONTACTS

pytestmark = pytest.mark.django_db
SCHEMA = ["crm.schemas.contacts.read", "crm.schemas.contacts.write"]
WRITE_ONLY = [*WRITE_CONTACTS, *SCHEMA, "crm.objects.contacts.sensitive.write"]


def test_a_write_only_sensitive_scope_cannot_lower_a_property_to_read_its_values(
    api_for, salary, rosalind, django_capture_on_commit_callbacks
):
    api = api_for(WRITE_ONLY)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            "/crm/v3/properties/contacts/annual_salary", {"dataSensitivity": "non_sensitive", "label": "Pay"}
        )

    assert response.status_code == 403
    assert response.data["category"] == "MISSING_SCOPES"
    salary.refresh_from_db()
    assert salary.sensitivity == PropertyDefinition.Sensitivity.SENSITIVE and salary.label == "Annual salary"
    read = api.get(f"/crm/v3/objects/contacts/{rosalind.number}", {"properties": "annual_salary"})
    assert "annual_salary" not in read.data["properties"]


def test_a_highly_sensitive_write_scope_alone_cannot_lower_a_property_to_sensitive(api_for, diagnosis):
    api = api_for([*WRITE_ONLY, "crm.objects.contacts.highly_sensitive.write", "crm.objects.contacts.sensitive.read"])

    response = api.patch("/crm/v3/properties/contacts/diagnosis", {"dataSensitivity": "sensitive"})

    assert response.status_code == 403
    diagnosis.refresh_from_db()
    assert diagnosis.sensitivity == PropertyDefinition.Sensitivity.HIGHLY_SENSITIVE


def test_an_app_that_reads_and_writes_the_tier_may_still_lower_it(api_for, salary):
    api = api_for([*WRITE_ONLY, "crm.objects.contacts.sensitive.read"])

    response = api.patch("/crm/v3/properties/contacts/annual_salary", {"dataSensitivity": "non_sensitive"})

    assert response.status_code == 200, response.data
    assert response.data["dataSensitivity"] == "non_sensitive"
