import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import PropertyDefinition, Record
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from sensitive import selectors
from sensitive.models import SensitiveValue
from sensitive.readings import State
from sensitive.sensitivity import property_sensitivity_change

S = PropertyDefinition.Sensitivity


@pytest.fixture
def phone(tenant_a_admin, contacts_a):
    return PropertyDefinition.objects.get(object_type=contacts_a, name="phone")


@pytest.fixture
def callers(tenant_a_admin, contacts_a):
    people = [
        record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": f"P{i}"})
        for i in range(5)
    ]
    return [
        record_services.record_update(actor=tenant_a_admin, record=person, values={"phone": f"+44 20 7946 00{i:02d}"})
        for i, person in enumerate(people)
    ]


@pytest.fixture
def change(tenant_a_admin, django_capture_on_commit_callbacks):
    """A sensitivity change as a user makes it: committed, so its background move runs."""

    def _change(definition, sensitivity):
        with django_capture_on_commit_callbacks(execute=True):
            property_sensitivity_change(actor=tenant_a_admin, definition=definition, sensitivity=sensitivity)

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
    assert not LogEntry.objects.filter(changes__icontains="20 7946").exists()  # with the space: not inside a UUID
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVITY_CHANGED)
    assert event.details == {"from": "none", "to": "sensitive"} and event.property_names == ["phone"]


def test_raising_the_display_property_removes_it_from_the_display_name(tenant_a_admin, contacts_a, change):
    person = record_services.record_create(
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


def test_between_sensitive_levels_nothing_moves(salary, rosalind, tenant_a_admin, change):
    change(salary, S.HIGHLY_SENSITIVE)

    reading = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"]
    assert reading.state == State.MASKED
    assert selectors.value_reveal(actor=tenant_a_admin, record=rosalind, name="annual_salary").value == 91_250


def test_only_a_super_admin_changes_sensitivity(salary, member_a, tenant_b_user):
    for actor in (member_a, tenant_b_user):
        with pytest.raises(PermissionDenied):
            property_sensitivity_change(actor=actor, definition=salary, sensitivity=S.NONE)
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


def _log_rows_containing(text: str) -> list[tuple]:
    """Every change log row holding `text` in any column, read as the database has it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {LogEntry._meta.db_table}")  # noqa: S608
        return [row for row in cursor.fetchall() if text.lower() in repr(row).lower()]


def test_raising_a_property_that_names_records_leaves_its_old_value_in_no_change_log_row(
    tenant_a_admin, contacts_a, companies_a, member_a, change
):
    # given: contacts named Zelda, with history of every kind: created, renamed, reassigned, deleted, linked
    zelda = record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Zelda", "lastname": "Quist"}
    )
    record_services.record_update(actor=tenant_a_admin, record=zelda, values={"lastname": "Quist-Ray"})
    record_services.record_update(actor=tenant_a_admin, record=zelda, values={}, owner=member_a)
    gone = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Zelda"})
    record_services.record_delete(actor=tenant_a_admin, record=gone)
    acme = record_services.record_create(actor=tenant_a_admin, object_type=companies_a, values={"name": "Acme"})
    record_services.association_create(actor=tenant_a_admin, from_record=zelda, to_record=acme)
    firstname = PropertyDefinition.objects.get(object_type=contacts_a, name="firstname")
    assert _log_rows_containing("Zelda")

    # when
    change(firstname, S.SENSITIVE)

    # then
    assert _log_rows_containing("Zelda") == []
    zelda.refresh_from_db()
    assert zelda.display_name == "Quist-Ray"
    assert LogEntry.objects.filter(object_pk=str(zelda.pk), changes__has_key="display_name").exists()


@pytest.fixture
def raised_not_moved(tenant_a_admin, django_capture_on_commit_callbacks):
    """A sensitivity raise whose background move has not run yet (the worker is busy elsewhere)."""

    def _raise(definition):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            property_sensitivity_change(actor=tenant_a_admin, definition=definition, sensitivity=S.SENSITIVE)
        return queued

    return _raise


@pytest.fixture
def zelda(tenant_a_admin, contacts_a):
    return record_services.record_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        values={"firstname": "Zelda", "lastname": "Quist", "email": "zelda@quist.test"},
    )


def test_a_raise_takes_the_value_out_of_the_display_name_at_once(zelda, contacts_a, raised_not_moved, client, member_a):
    # when: first name raised, the move still queued
    raised_not_moved(PropertyDefinition.objects.get(object_type=contacts_a, name="firstname"))

    # then: the record is named without it everywhere, before any value moved
    zelda.refresh_from_db()
    assert zelda.display_name == "Quist"
    assert zelda.properties["firstname"] == "Zelda"  # still waiting for the move
    client.force_login(member_a)
    for url in (reverse("record_index", args=["contacts"]), reverse("record_detail", args=["contacts", zelda.pk])):
        page = client.get(url).content.decode()
        assert "Zelda" not in page


def test_while_values_move_quick_search_does_not_find_them(zelda, contacts_a, raised_not_moved, client, member_a):
    # given: email raised, the move still queued
    raised_not_moved(PropertyDefinition.objects.get(object_type=contacts_a, name="email"))
    client.force_login(member_a)

    # when
    page = client.get(reverse("record_index", args=["contacts"]), {"q": "zelda@quist"}).content.decode()

    # then
    assert "Quist" not in page
    assert not record_selectors.record_list(actor=member_a, object_type=contacts_a, search="zelda@quist").exists()


def test_while_values_move_the_admin_shows_no_plain_copy_and_a_save_keeps_the_value(
    zelda, contacts_a, raised_not_moved, client, tenant_a_admin
):
    # given: email raised, the move still queued
    email = PropertyDefinition.objects.get(object_type=contacts_a, name="email")
    raised_not_moved(email)
    client.force_login(tenant_a_admin)
    url = reverse("admin:crm_record_change", args=[zelda.pk])

    # when
    page = client.get(url).content.decode()
    response = client.post(
        url, {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Zelda", "lastname": "Quist"}'}
    )

    # then: the JSON field holds no copy (the sensitive field shows it, through the choke point)
    properties_field = page.split('name="properties"')[1].split("</textarea>")[0]
    assert "zelda@quist.test" not in properties_field
    assert response.status_code == 302
    reading = selectors.values_read(actor=tenant_a_admin, records=[zelda])[zelda.pk]["email"]
    assert reading.value == "zelda@quist.test"
