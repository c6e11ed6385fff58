"""Probes: an app's sensitive reach follows its scopes and the properties' tiers at once, not what a
process worked out before a change."""

from __future__ import annotations

import pytest

from crm.services import property_definition_create
from sensitive.sensitivity import property_sensitivity_change
from tests.api.conftest import SENSITIVE_CONTACTS

pytestmark = pytest.mark.django_db


def test_a_sensitive_scope_stops_reading_a_property_once_it_is_made_highly_sensitive(
    api_for, tenant_a_admin, salary, rosalind
):
    api = api_for(SENSITIVE_CONTACTS)
    path = f"/crm/v3/objects/contacts/{rosalind.number}"
    assert api.get(path, {"properties": "annual_salary"}).data["properties"]["annual_salary"] == "91250"

    property_sensitivity_change(actor=tenant_a_admin, definition=salary, sensitivity="highly_sensitive")

    response = api.get(path, {"properties": "annual_salary"})
    assert response.status_code == 200
    assert "annual_salary" not in response.data["properties"]
    assert response.data["restrictedProperties"] == ["annual_salary"]


def test_a_sensitive_property_made_after_the_apps_first_call_is_readable_with_its_scope(
    api_for, tenant_a_admin, contacts_a, salary, rosalind
):
    api = api_for(SENSITIVE_CONTACTS)
    path = f"/crm/v3/objects/contacts/{rosalind.number}"
    assert api.get(path, {"properties": "annual_salary"}).status_code == 200
    property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="bonus",
        label="Bonus",
        data_type="number",
        sensitivity="sensitive",
    )

    response = api.patch(path, {"properties": {"bonus": "1200"}})

    assert response.status_code == 200, response.data
    assert response.data["properties"]["bonus"] == "1200"
