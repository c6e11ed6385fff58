"""The scope matrix of the properties and property groups APIs: each call with exactly the scopes it
needs succeeds, and without any one of them is a 403 that names what is missing and changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from crm import services
from crm.models import PropertyDefinition, PropertyGroup
from tests.api.test_properties import A_TEXT_PROPERTY
from tests.factories import make_property

pytestmark = pytest.mark.django_db

C = "crm.schemas.contacts"
S, H = "crm.objects.contacts.sensitive", "crm.objects.contacts.highly_sensitive"
P = "/crm/v3/properties/contacts"


def _create(tier: str) -> dict:
    return {**A_TEXT_PROPERTY, "name": "new_one", "dataSensitivity": tier}


CASES = [
    # (case, method, path, body, scopes needed, status)
    ("list", "get", P, None, [f"{C}.read"], 200),
    ("list_sensitive", "get", f"{P}?dataSensitivity=sensitive", None, [f"{C}.read", f"{S}.read"], 200),
    ("list_highly", "get", f"{P}?dataSensitivity=highly_sensitive", None, [f"{C}.read", f"{H}.read"], 200),
    ("read", "get", f"{P}/email", None, [f"{C}.read"], 200),
    ("read_sensitive", "get", f"{P}/annual_salary", None, [f"{C}.read", f"{S}.read"], 200),
    ("read_highly", "get", f"{P}/gov_id", None, [f"{C}.read", f"{H}.read"], 200),
    ("create", "post", P, _create("non_sensitive"), [f"{C}.write"], 201),
    ("create_sensitive", "post", P, _create("sensitive"), [f"{C}.write", f"{S}.write"], 201),
    ("create_highly", "post", P, _create("highly_sensitive"), [f"{C}.write", f"{H}.write"], 201),
    ("change", "patch", f"{P}/phone", {"label": "Mobile"}, [f"{C}.write"], 200),
    ("change_sensitive", "patch", f"{P}/annual_salary", {"label": "Pay"}, [f"{C}.write", f"{S}.write"], 200),
    ("raise", "patch", f"{P}/phone", {"dataSensitivity": "highly_sensitive"}, [f"{C}.write", f"{H}.write"], 200),
    (
        "lower",
        "patch",
        f"{P}/gov_id",
        {"dataSensitivity": "non_sensitive"},
        [f"{C}.write", f"{H}.write", f"{H}.read"],
        200,
    ),
    ("archive", "delete", f"{P}/shoe_size", None, [f"{C}.write"], 204),
    ("archive_sensitive", "delete", f"{P}/annual_salary", None, [f"{C}.write", f"{S}.write"], 204),
    ("batch_read", "post", f"{P}/batch/read", {"inputs": [{"name": "email"}]}, [f"{C}.read"], 200),
    (
        "batch_read_highly",
        "post",
        f"{P}/batch/read",
        {"inputs": [{"name": "gov_id"}], "dataSensitivity": "highly_sensitive"},
        [f"{C}.read", f"{H}.read"],
        200,
    ),
    ("batch_create", "post", f"{P}/batch/create", {"inputs": [_create("non_sensitive")]}, [f"{C}.write"], 201),
    (
        "batch_create_sensitive",
        "post",
        f"{P}/batch/create",
        {"inputs": [_create("sensitive")]},
        [f"{C}.write", f"{S}.write"],
        201,
    ),
    ("batch_archive", "post", f"{P}/batch/archive", {"inputs": [{"name": "shoe_size"}]}, [f"{C}.write"], 204),
    ("groups", "get", f"{P}/groups", None, [f"{C}.read"], 200),
    ("group", "get", f"{P}/groups/contactinformation", None, [f"{C}.read"], 200),
    ("group_create", "post", f"{P}/groups", {"name": "billing", "label": "Billing"}, [f"{C}.write"], 201),
    ("group_change", "patch", f"{P}/groups/contactinformation", {"label": "Contact"}, [f"{C}.write"], 200),
    ("group_delete", "delete", f"{P}/groups/empty", None, [f"{C}.write"], 204),
    ("tickets", "get", "/crm/v3/properties/tickets", None, ["crm.schemas.tickets.read"], 200),
    (
        "tickets_sensitive",
        "get",
        "/crm/v3/properties/0-5/symptoms",
        None,
        ["crm.schemas.tickets.read", "tickets.sensitive"],
        200,
    ),
    ("custom", "get", "/crm/v3/properties/cars", None, ["crm.schemas.custom.read"], 200),
    (
        "custom_create",
        "post",
        "/crm/v3/properties/cars",
        {**_create("non_sensitive"), "groupName": "carinformation"},
        ["crm.schemas.custom.write"],
        201,
    ),
    (
        "custom_sensitive",
        "get",
        "/crm/v3/properties/cars/vin",
        None,
        ["crm.schemas.custom.read", "crm.objects.custom.sensitive.read"],
        200,
    ),
    ("companies", "get", "/crm/v3/properties/companies/name", None, ["crm.schemas.companies.read"], 200),
]


@pytest.fixture
def schema_world(tenant_a_admin, contacts_a, salary, gov_id):
    """Besides salary (sensitive) and gov_id (highly sensitive): a plain custom property, an empty
    group, a sensitive ticket property and a custom type with a sensitive property."""
    make_property(tenant_a_admin, contacts_a, "shoe_size")
    services.property_group_create(actor=tenant_a_admin, object_type=contacts_a, name="empty", label="Empty")
    tickets = contacts_a.__class__.objects.get(tenant=contacts_a.tenant, name="tickets")
    make_property(tenant_a_admin, tickets, "symptoms", sensitivity="sensitive")
    cars = services.object_type_create(actor=tenant_a_admin, name="cars", label_singular="Car", label_plural="Cars")
    make_property(tenant_a_admin, cars, "vin", sensitivity="sensitive")


def _state():
    """What a refused call must leave as it was."""
    return (
        sorted(PropertyDefinition.objects.values_list("name", "label", "sensitivity", "archived_at")),
        sorted(PropertyGroup.objects.values_list("name", "label")),
    )


def _call(api, method, path, body):
    return getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)


@pytest.mark.parametrize(("_case", "method", "path", "body", "needed", "status"), CASES)
def test_each_call_needs_exactly_its_scopes(api_for, schema_world, _case, method, path, body, needed, status):
    before = _state()
    for missing in needed:
        scopes = [scope for scope in needed if scope != missing]
        response = _call(api_for(scopes or ["crm.objects.owners.read"]), method, path, body)
        assert response.status_code == 403, (missing, response.data)
        assert response.data["category"] == "MISSING_SCOPES"
        assert missing in response.data["errors"][0]["context"]["requiredGranularScopes"]
        assert _state() == before
    response = _call(api_for(needed), method, path, body)
    assert response.status_code == status, response.data


def test_another_object_types_schema_scope_does_not_count(api_for, schema_world):
    api = api_for(["crm.schemas.companies.read", "crm.schemas.companies.write", "crm.objects.contacts.read"])
    assert api.get(P).status_code == 403
    assert api.post(P, _create("non_sensitive")).status_code == 403


def test_the_allowlist_limits_which_sensitive_definitions_an_app_reads_and_changes(make_app, schema_world):
    from tests.api.conftest import ApiClient

    everything = [f"{C}.read", f"{C}.write", f"{H}.read", f"{H}.write"]
    app, token = make_app(everything, sensitive_allowlist=["contacts.annual_salary"])
    api = ApiClient(token)
    before = _state()
    listed = api.get(P, {"dataSensitivity": "highly_sensitive"}).data["results"]
    assert listed == []  # gov_id is highly sensitive but not allowlisted
    refused = api.get(f"{P}/gov_id")
    assert refused.status_code == 403 and "allowlist" in refused.data["message"]
    assert api.patch(f"{P}/gov_id", {"dataSensitivity": "non_sensitive"}).status_code == 403
    assert api.delete(f"{P}/gov_id").status_code == 403
    assert api.post(P, _create("sensitive")).status_code == 403  # a new property can't be on its list
    assert api.patch(f"{P}/phone", {"dataSensitivity": "sensitive"}).status_code == 403
    assert _state() == before
    assert api.get(f"{P}/annual_salary").status_code == 200
    assert api.patch(f"{P}/annual_salary", {"label": "Pay"}).status_code == 200
    # the services refuse it too, whatever surface calls them
    gov_id = PropertyDefinition.objects.get(name="gov_id")
    with pytest.raises(PermissionDenied):
        services.property_definition_change(actor=app.user, definition=gov_id, sensitivity="none")


def test_the_services_hold_an_apps_scopes_whatever_surface_calls_them(make_app, schema_world, contacts_a):
    app, _ = make_app([f"{C}.write"])
    salary = PropertyDefinition.objects.get(name="annual_salary")
    with pytest.raises(PermissionDenied):
        services.property_definition_create(
            actor=app.user, object_type=contacts_a, name="x", label="X", sensitivity="sensitive"
        )
    with pytest.raises(PermissionDenied):
        services.property_definition_archive(actor=app.user, definition=salary)
    with pytest.raises(PermissionDenied):
        services.object_type_create(actor=app.user, name="boats", label_singular="Boat", label_plural="Boats")
    assert services.property_definition_create(actor=app.user, object_type=contacts_a, name="x", label="X").name == "x"
