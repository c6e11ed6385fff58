"""Errors about a value name the property and the rule, never the value; numbers refuse what they can't store.

On every surface that takes values: the services, the staff UI's record form, the admin's record form.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm import services
from crm.models import PropertyDefinition
from crm.records import services as record_services

S = PropertyDefinition.Sensitivity
CANARY = "Zq7canary"
COLOURS = [{"value": "red", "label": "Red"}, {"value": "blue", "label": "Blue"}]
# An invalid value of each data type that carries the canary.
INVALID = {
    "string": {CANARY: "not text"},
    "number": f"{CANARY}42",
    "date": f"2026-{CANARY}",
    "datetime": f"{CANARY}T10:00",
    "bool": CANARY,
    "enumeration": CANARY,
    "file": [CANARY],
}
# What a browser can post for each type: text, with the canary, that the field must refuse.
POSTED = {
    "string": CANARY * 8000,  # too long
    "number": f"{CANARY}42",
    "date": f"2026-{CANARY}",
    "datetime": f"{CANARY}T10:00",
    "enumeration": CANARY,
    "file": CANARY * 8000,
}
NOT_NUMBERS = ["1e309", "nan", "inf", "-inf", "1e400", "NaN", "Infinity"]


def _define(actor, object_type, sensitivity):
    prefix = "s_" if sensitivity != S.NONE else "p_"
    return {
        data_type: services.property_definition_create(
            actor=actor,
            object_type=object_type,
            name=f"{prefix}{data_type}",
            label=f"{prefix}{data_type}".title(),
            data_type=data_type,
            options=COLOURS if data_type == "enumeration" else None,
            sensitivity=sensitivity,
        )
        for data_type in INVALID
    }


@pytest.fixture
def plain_properties(tenant_a_admin, contacts_a):
    return _define(tenant_a_admin, contacts_a, S.NONE)


@pytest.fixture
def sensitive_properties(tenant_a_admin, contacts_a):
    return _define(tenant_a_admin, contacts_a, S.SENSITIVE)


@pytest.fixture
def person(tenant_a_admin, contacts_a, plain_properties, sensitive_properties):
    return record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Pat"})


def _messages(errors) -> list[str]:
    return [str(message) for messages in errors.values() for message in messages]


@pytest.mark.parametrize("sensitivity", [S.NONE, S.SENSITIVE])
def test_service_errors_name_each_property_and_never_echo_the_value(
    tenant_a_admin, contacts_a, person, plain_properties, sensitive_properties, sensitivity
):
    definitions = plain_properties if sensitivity == S.NONE else sensitive_properties

    with pytest.raises(ValidationError) as error:
        record_services.record_update(
            actor=tenant_a_admin, record=person, values={d.name: INVALID[t] for t, d in definitions.items()}
        )

    errors = error.value.message_dict
    assert set(errors) == {d.name for d in definitions.values()}
    for definition in definitions.values():
        assert errors[definition.name][0].startswith(f"{definition.label} ({definition.name}): ")
    assert all(CANARY not in message for message in _messages(errors))


@pytest.mark.parametrize("prefix", ["p__p_", "sensitive__s_"])
def test_the_record_form_errors_never_echo_the_value(client, tenant_a_admin, person, prefix):
    client.force_login(tenant_a_admin)
    data = {f"{prefix}{t}": value for t, value in POSTED.items()}

    response = client.post(reverse("record_update", args=["contacts", person.pk]), {**data, "owner": person.owner_id})

    assert response.status_code == 200
    errors = response.context["form"].errors
    messages = _messages(errors)
    assert len(errors) == len(POSTED)
    assert all(CANARY not in message for message in messages), messages


def test_the_admin_form_errors_never_echo_the_value(client, tenant_a_admin, person, plain_properties):
    client.force_login(tenant_a_admin)
    url = reverse("admin:crm_record_change", args=[person.pk])
    sensitive = {f"sensitive__s_{t}": value for t, value in POSTED.items()}

    for properties in ({d.name: INVALID[t] for t, d in plain_properties.items()}, {}):
        response = client.post(
            url, {"owner": person.owner_id, "properties": json.dumps({"firstname": "Pat", **properties}), **sensitive}
        )

        assert response.status_code == 200
        messages = _messages(response.context["adminform"].form.errors)
        assert messages and all(CANARY not in message for message in messages), messages


@pytest.mark.parametrize("given", NOT_NUMBERS)
def test_the_record_form_refuses_numbers_it_cannot_store(client, tenant_a_admin, person, given):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("record_update", args=["contacts", person.pk]),
        {"p__p_number": given, "sensitive__s_number": given, "owner": person.owner_id},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"p__p_number", "sensitive__s_number"}


@pytest.mark.parametrize("given", NOT_NUMBERS)
def test_the_admin_refuses_numbers_it_cannot_store(client, tenant_a_admin, person, given):
    client.force_login(tenant_a_admin)
    url = reverse("admin:crm_record_change", args=[person.pk])

    sensitive = client.post(
        url, {"owner": person.owner_id, "properties": '{"firstname": "Pat"}', "sensitive__s_number": given}
    )
    plain = client.post(url, {"owner": person.owner_id, "properties": f'{{"firstname": "Pat", "p_number": "{given}"}}'})

    assert sensitive.status_code == 200 and "sensitive__s_number" in sensitive.context["adminform"].form.errors
    assert plain.status_code == 200 and "properties" in plain.context["adminform"].form.errors
