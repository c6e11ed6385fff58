"""Sensitive properties through the properties API: the tier scopes, the MFA rule, the background move."""

from __future__ import annotations

import pytest

from accounts.models import Tenant
from audit.models import AuditEvent
from crm.models import PropertyDefinition, Record
from sensitive.models import SensitiveValue
from tests.api.conftest import ApiClient
from tests.api.test_properties import A_TEXT_PROPERTY, WRITE, WRITE_HIGHLY, WRITE_SENSITIVE
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def _no_mfa(tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(require_mfa=False)


def test_a_sensitive_property_is_created_with_the_sensitive_write_scope(api_for, contacts_a):
    body = {**A_TEXT_PROPERTY, "name": "passport", "dataSensitivity": "sensitive", "searchableInGlobalSearch": True}
    response = api_for(WRITE_SENSITIVE).post("/crm/v3/properties/contacts", body)
    assert response.status_code == 201, response.data
    assert response.data["dataSensitivity"] == "sensitive" and response.data["searchableInGlobalSearch"] is True
    passport = PropertyDefinition.objects.get(object_type=contacts_a, name="passport")
    assert (passport.sensitivity, passport.searchable) == ("sensitive", True)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PROPERTY_CREATED, property_names=["passport"])
    assert event.details == {"sensitivity": "sensitive", "searchable": True}


@pytest.mark.parametrize(
    ("_case", "scopes", "tier", "required"),
    [
        (
            "sensitive_without_scope",
            WRITE,
            "sensitive",
            ["crm.objects.contacts.sensitive.write", "crm.objects.contacts.highly_sensitive.write"],
        ),
        (
            "highly_with_the_sensitive_scope",
            WRITE_SENSITIVE,
            "highly_sensitive",
            ["crm.objects.contacts.highly_sensitive.write"],
        ),
    ],
)
def test_a_sensitive_property_without_its_tiers_write_scope_is_a_403(
    api_for, contacts_a, _case, scopes, tier, required
):
    response = api_for(scopes).post("/crm/v3/properties/contacts", {**A_TEXT_PROPERTY, "dataSensitivity": tier})
    assert response.status_code == 403 and response.data["category"] == "MISSING_SCOPES"
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == required
    assert not PropertyDefinition.objects.filter(object_type=contacts_a, name="favourite_colour").exists()


def test_the_highly_sensitive_scope_creates_both_tiers(api_for, contacts_a):
    api = api_for(WRITE_HIGHLY)
    assert (
        api.post("/crm/v3/properties/contacts", {**A_TEXT_PROPERTY, "dataSensitivity": "sensitive"}).status_code == 201
    )
    body = {**A_TEXT_PROPERTY, "name": "genome", "dataSensitivity": "highly_sensitive"}
    assert api.post("/crm/v3/properties/contacts", body).status_code == 201


def test_without_mfa_required_no_property_becomes_sensitive(api_for, contacts_a, tenant_a):
    _no_mfa(tenant_a)
    response = api_for(WRITE_SENSITIVE).post(
        "/crm/v3/properties/contacts", {**A_TEXT_PROPERTY, "dataSensitivity": "sensitive"}
    )
    assert response.status_code == 400
    assert response.data["errors"][0]["in"] == "dataSensitivity" and "second factor" in response.data["message"]
    assert not PropertyDefinition.objects.filter(object_type=contacts_a, name="favourite_colour").exists()


def test_making_a_property_sensitive_moves_its_values_in_the_background(
    make_app, tenant_a_admin, contacts_a, django_capture_on_commit_callbacks
):
    ida = make_record(tenant_a_admin, contacts_a, firstname="Ida", phone="+44 20 7946 0001")
    app, token = make_app(WRITE_SENSITIVE, name="Privacy bot")
    with django_capture_on_commit_callbacks(execute=True):
        response = ApiClient(token).patch("/crm/v3/properties/contacts/phone", {"dataSensitivity": "sensitive"})
    assert response.status_code == 200, response.data
    assert response.data["dataSensitivity"] == "sensitive"
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    assert phone.sensitivity == "sensitive" and not phone.values_moving
    assert "phone" not in Record.objects.get(pk=ida.pk).properties
    assert SensitiveValue.objects.filter(property=phone, record=ida).exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVITY_CHANGED)
    assert event.actor == app.user and event.details == {"from": "none", "to": "sensitive"}
    assert event.surface == "api"


def test_a_refused_sensitivity_change_saves_nothing_of_the_request(api_for, contacts_a, tenant_a):
    _no_mfa(tenant_a)
    response = api_for(WRITE_SENSITIVE).patch(
        "/crm/v3/properties/contacts/phone", {"label": "Mobile", "dataSensitivity": "sensitive"}
    )
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "dataSensitivity"
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    assert (phone.label, phone.sensitivity) == ("Phone number", "none")


def test_a_change_while_values_are_moving_is_refused(api_for, salary):
    PropertyDefinition.objects.filter(pk=salary.pk).update(values_moving=True)
    response = api_for(WRITE_SENSITIVE).patch(
        "/crm/v3/properties/contacts/annual_salary", {"dataSensitivity": "non_sensitive"}
    )
    assert response.status_code == 400 and "being moved" in response.data["message"]


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("label", {"label": "Pay"}),
        ("lowering", {"dataSensitivity": "non_sensitive"}),
        ("raising", {"dataSensitivity": "highly_sensitive"}),
    ],
)
def test_changing_a_sensitive_property_needs_the_write_scope_of_the_higher_tier(api_for, salary, _case, body):
    needed = WRITE_HIGHLY if body.get("dataSensitivity") == "highly_sensitive" else WRITE_SENSITIVE
    assert api_for(WRITE).patch("/crm/v3/properties/contacts/annual_salary", body).status_code == 403
    if needed is WRITE_HIGHLY:
        assert api_for(WRITE_SENSITIVE).patch("/crm/v3/properties/contacts/annual_salary", body).status_code == 403
    assert api_for(needed).patch("/crm/v3/properties/contacts/annual_salary", body).status_code == 200


def test_reading_a_sensitive_property_needs_the_read_scope_of_its_tier(api_for, salary, gov_id):
    read = ["crm.schemas.contacts.read"]
    assert api_for(read).get("/crm/v3/properties/contacts/annual_salary").status_code == 403
    api = api_for([*read, "crm.objects.contacts.sensitive.read"])
    assert api.get("/crm/v3/properties/contacts/annual_salary").data["dataSensitivity"] == "sensitive"
    assert api.get("/crm/v3/properties/contacts/gov_id").status_code == 403


def test_the_v2_spelling_of_a_sensitive_scope_is_accepted(api_for, salary):
    api = api_for(["crm.schemas.contacts.read", "crm.objects.contacts.sensitive.read.v2"])
    assert api.get("/crm/v3/properties/contacts", {"dataSensitivity": "sensitive"}).status_code == 200


def test_archiving_a_sensitive_property_needs_its_tiers_write_scope_and_keeps_its_ciphertext(api_for, rosalind, salary):
    assert api_for(WRITE).delete("/crm/v3/properties/contacts/annual_salary").status_code == 403
    assert api_for(WRITE_SENSITIVE).delete("/crm/v3/properties/contacts/annual_salary").status_code == 204
    assert SensitiveValue.objects.filter(property=salary, record=rosalind).exists()
    body = api_for(["crm.objects.contacts.read"]).get(
        f"/crm/v3/objects/contacts/{rosalind.number}?properties=annual_salary"
    )
    assert "annual_salary" not in body.data["properties"] and "restrictedProperties" not in body.data


def test_an_error_never_holds_a_value(api_for, rosalind, diagnosis):
    response = api_for(WRITE_HIGHLY).patch(
        "/crm/v3/properties/contacts/diagnosis", {"options": [{"label": "Diabetes", "value": "diabetes"}]}
    )
    assert response.status_code == 400 and response.data["errors"][0]["in"] == "options"
    assert "decrypting" in response.data["message"]
    # the records' values are not named, only the option removed from the schema
    assert "Rosalind" not in str(response.data) and "91250" not in str(response.data)
