import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from crm import services
from crm.models import PropertyDefinition, Record
from sensitive import selectors
from sensitive import services as sensitive_services
from sensitive.models import SensitiveValue
from sensitive.readings import State

S = PropertyDefinition.Sensitivity


@pytest.fixture
def phone(tenant_a_admin, contacts_a):
    return PropertyDefinition.objects.get(object_type=contacts_a, name="phone")


@pytest.fixture
def callers(tenant_a_admin, contacts_a):
    people = [
        services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": f"P{i}"})
        for i in range(5)
    ]
    return [
        services.record_update(actor=tenant_a_admin, record=person, values={"phone": f"+44 20 7946 00{i:02d}"})
        for i, person in enumerate(people)
    ]


@pytest.fixture
def change(tenant_a_admin, django_capture_on_commit_callbacks):
    """A sensitivity change as a user makes it: committed, so its background move runs."""

    def _change(definition, sensitivity):
        with django_capture_on_commit_callbacks(execute=True):
            sensitive_services.property_sensitivity_change(
                actor=tenant_a_admin, definition=definition, sensitivity=sensitivity
            )

    return _change


def test_raising_moves_values_into_ciphertext_and_out_of_the_json_and_history(phone, callers, tenant_a_admin, change):
    assert LogEntry.objects.filter(changes__icontains="7946 0003").exists()  # before: ordinary history

    change(phone, S.SENSITIVE)

    phone.refresh_from_db()
    assert phone.sensitivity == S.SENSITIVE and not phone.values_moving
    assert not Record.objects.filter(properties__has_key="phone").exists()
    assert SensitiveValue.objects.filter(property=phone).count() == 5
    readings = selectors.values_read(actor=tenant_a_admin, records=callers)
    assert [readings[p.pk]["phone"].value for p in callers] == [f"+44 20 7946 00{i:02d}" for i in range(5)]
    assert not LogEntry.objects.filter(changes__icontains="7946").exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVITY_CHANGED)
    assert event.details == {"from": "none", "to": "sensitive"} and event.property_names == ["phone"]


def test_raising_the_display_property_removes_it_from_the_display_name(tenant_a_admin, contacts_a, change):
    person = services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Zelda", "lastname": "Quist"}
    )
    lastname = PropertyDefinition.objects.get(object_type=contacts_a, name="lastname")

    change(lastname, S.SENSITIVE)

    person.refresh_from_db()
    assert person.display_name == "Zelda"
    assert not LogEntry.objects.filter(object_repr__icontains="Quist").exists()


def test_lowering_to_none_moves_values_back_into_the_json(phone, callers, tenant_a_admin, change):
    change(phone, S.SENSITIVE)

    change(phone, S.NONE)

    assert not SensitiveValue.objects.filter(property=phone).exists()
    assert Record.objects.get(pk=callers[2].pk).properties["phone"] == "+44 20 7946 0002"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVITY_CHANGED).count() == 2


def test_between_sensitive_levels_nothing_moves(salary, ada, tenant_a_admin, change):
    change(salary, S.HIGHLY_SENSITIVE)

    reading = selectors.values_read(actor=tenant_a_admin, records=[ada])[ada.pk]["annual_salary"]
    assert reading.state == State.MASKED
    assert selectors.value_reveal(actor=tenant_a_admin, record=ada, name="annual_salary").value == 91_250


def test_only_a_super_admin_changes_sensitivity(salary, member_a, tenant_b_user):
    for actor in (member_a, tenant_b_user):
        with pytest.raises(PermissionDenied):
            sensitive_services.property_sensitivity_change(actor=actor, definition=salary, sensitivity=S.NONE)
    salary.refresh_from_db()
    assert salary.sensitivity == S.SENSITIVE


def test_values_waiting_to_move_are_still_read_through_the_choke_point(phone, callers, tenant_a_admin, member_a):
    # given: the property is marked sensitive but the background move has not run yet
    PropertyDefinition.objects.filter(pk=phone.pk).update(sensitivity=S.SENSITIVE, values_moving=True)

    admin_view = selectors.values_read(actor=tenant_a_admin, records=callers[:1])[callers[0].pk]["phone"]
    member_view = selectors.values_read(actor=member_a, records=callers[:1])[callers[0].pk]["phone"]

    assert admin_view.value == "+44 20 7946 0000"
    assert member_view.state == State.RESTRICTED


def test_history_entries_keep_their_other_changes(phone, callers, tenant_a_admin, change):
    change(phone, S.SENSITIVE)

    entry = LogEntry.objects.filter(object_pk=str(callers[0].pk)).order_by("timestamp").first()
    assert json.loads(entry.changes["properties"][1]) == {"firstname": "P0"}
