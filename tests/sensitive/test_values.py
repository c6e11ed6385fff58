import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection

from audit.models import AuditEvent
from crm import selectors as crm_selectors
from crm import services
from crm.models import PropertyDefinition
from crm.records import services as record_services
from sensitive import selectors
from sensitive import services as sensitive_services
from sensitive.models import SensitiveValue
from sensitive.readings import State

S = PropertyDefinition.Sensitivity


@pytest.mark.parametrize(
    ("_case", "data_type", "given", "read_back"),
    [
        ("string", "string", "  AB-123-456 ", "AB-123-456"),
        ("unicode", "string", "Zoë Ødegård 🧬", "Zoë Ødegård 🧬"),
        ("number", "number", "120000.50", 120000.5),
        ("integer", "number", 42, 42),
        ("date", "date", "1990-02-28", "1990-02-28"),
        ("datetime", "datetime", "2026-03-01T09:30:00+01:00", "2026-03-01T08:30:00+00:00"),
        ("bool", "bool", "yes", True),
        ("enumeration", "enumeration", "B", "b"),
        ("file", "file", "attachment-7", "attachment-7"),
    ],
)
def test_every_data_type_round_trips(tenant_a_admin, contacts_a, _case, data_type, given, read_back):
    options = [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}] if data_type == "enumeration" else []
    services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="secret",
        label="Secret",
        data_type=data_type,
        options=options,
        sensitivity=S.SENSITIVE,
    )

    record = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"secret": given})

    assert "secret" not in record.properties
    reading = selectors.values_read(actor=tenant_a_admin, records=[record])[record.pk]["secret"]
    assert reading.state == State.VALUE
    assert reading.value == read_back


def test_values_are_stored_only_as_ciphertext(rosalind):
    rosalind.refresh_from_db()
    assert rosalind.properties == {"firstname": "Rosalind"}
    stored = SensitiveValue.objects.filter(record=rosalind)
    assert stored.count() == 2
    assert all(b"91250" not in bytes(v.ciphertext) and b"asthma" not in bytes(v.ciphertext) for v in stored)


def test_a_member_without_a_grant_sees_restricted_markers(rosalind, member_a):
    readings = selectors.values_read(actor=member_a, records=[rosalind])[rosalind.pk]

    assert readings["annual_salary"].state == State.RESTRICTED
    assert str(readings["annual_salary"]) == "Restricted"
    assert readings["diagnosis"].state == State.RESTRICTED
    assert readings["annual_salary"].value is None


def test_highly_sensitive_values_stay_masked_until_revealed(rosalind, tenant_a_admin):
    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]
    assert readings["annual_salary"].value == 91_250
    assert readings["diagnosis"].state == State.MASKED

    revealed = selectors.value_reveal(actor=tenant_a_admin, record=rosalind, name="diagnosis")

    assert revealed.value == "asthma"
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL).get()
    assert event.property_names == ["diagnosis"]
    assert event.record_ids == [str(rosalind.pk)]


def test_a_member_cannot_reveal(rosalind, member_a):
    assert selectors.value_reveal(actor=member_a, record=rosalind, name="diagnosis").state == State.RESTRICTED


def test_a_member_cannot_write_and_the_error_names_the_property(rosalind, member_a):
    with pytest.raises(PermissionDenied, match=r"Annual salary \(annual_salary\)"):
        record_services.record_update(actor=member_a, record=rosalind, values={"annual_salary": 1})

    assert (
        selectors.values_read(actor=rosalind.tenant.users.get(role="super_admin"), records=[rosalind])[rosalind.pk][
            "annual_salary"
        ].value
        == 91_250
    )


def test_a_member_still_edits_the_plain_values_of_the_record(rosalind, member_a):
    record_services.record_update(actor=member_a, record=rosalind, values={"firstname": "Augusta"})

    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Augusta"
    assert SensitiveValue.objects.filter(record=rosalind).count() == 2


def test_a_platform_operator_never_reads_sensitive_values(rosalind, operator):
    with pytest.raises(PermissionDenied):
        selectors.values_read(actor=operator, records=[rosalind])


def test_another_tenant_cannot_read_or_write(rosalind, tenant_b_user):
    with pytest.raises(PermissionDenied):
        selectors.values_read(actor=tenant_b_user, records=[rosalind])
    with pytest.raises(Exception, match="No such record"):
        sensitive_services.values_write(actor=tenant_b_user, record=rosalind, values={"annual_salary": 1})


def test_clearing_a_value_deletes_its_ciphertext(rosalind, tenant_a_admin):
    record_services.record_update(actor=tenant_a_admin, record=rosalind, values={"annual_salary": None})

    assert not SensitiveValue.objects.filter(record=rosalind, property__name="annual_salary").exists()
    reading = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"]
    assert reading.state == State.EMPTY


def test_a_bad_sensitive_value_is_a_validation_error_naming_it(rosalind, tenant_a_admin):
    with pytest.raises(ValidationError) as error:
        record_services.record_update(actor=tenant_a_admin, record=rosalind, values={"annual_salary": "a lot"})

    assert "annual_salary" in error.value.message_dict


def test_a_ciphertext_moved_to_another_record_does_not_decrypt(rosalind, tenant_a_admin, contacts_a, caplog):
    bob = record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Bob", "annual_salary": 10}
    )
    stolen = SensitiveValue.objects.get(record=rosalind, property__name="annual_salary").ciphertext
    SensitiveValue.objects.filter(record=bob, property__name="annual_salary").update(ciphertext=stolen)

    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind, bob])

    assert readings[bob.pk]["annual_salary"].state == State.UNREADABLE
    assert readings[rosalind.pk]["annual_salary"].value == 91_250  # the rest of the batch still works
    assert "annual_salary of record" in caplog.text and "91250" not in caplog.text


def test_a_ciphertext_moved_to_another_property_does_not_decrypt(rosalind, tenant_a_admin, diagnosis, salary):
    stolen = SensitiveValue.objects.get(record=rosalind, property=diagnosis).ciphertext
    SensitiveValue.objects.filter(record=rosalind, property=salary).update(ciphertext=stolen)

    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind])

    assert readings[rosalind.pk]["annual_salary"].state == State.UNREADABLE


def test_a_ciphertext_moved_to_another_tenant_does_not_decrypt(rosalind, tenant_b_user):
    contacts_b = tenant_b_user.tenant and crm_selectors.object_type_get(actor=tenant_b_user, name="contacts")
    salary_b = services.property_definition_create(
        actor=tenant_b_user,
        object_type=contacts_b,
        name="annual_salary",
        label="Salary",
        data_type="number",
        sensitivity=S.SENSITIVE,
    )
    eve = record_services.record_create(actor=tenant_b_user, object_type=contacts_b, values={"annual_salary": 1})
    stolen = SensitiveValue.objects.get(record=rosalind, property__name="annual_salary").ciphertext
    SensitiveValue.objects.filter(record=eve, property=salary_b).update(ciphertext=stolen)

    reading = selectors.values_read(actor=tenant_b_user, records=[eve])[eve.pk]["annual_salary"]

    assert reading.state == State.UNREADABLE


def test_a_tampered_ciphertext_is_unreadable_not_a_crash(rosalind, tenant_a_admin):
    value = SensitiveValue.objects.get(record=rosalind, property__name="annual_salary")
    tampered = bytearray(value.ciphertext)
    tampered[-1] ^= 0x01
    SensitiveValue.objects.filter(pk=value.pk).update(ciphertext=bytes(tampered))

    reading = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"]

    assert reading.state == State.UNREADABLE
    assert repr(reading) == "Reading(state='unreadable')"


def test_a_reading_never_shows_its_value_in_repr(rosalind, tenant_a_admin):
    reading = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"]

    assert "91250" not in repr(reading) and "91250" not in repr({"x": reading})


def test_a_bulk_read_is_one_audit_event_with_names_and_ids_only(tenant_a_admin, contacts_a, salary):
    rows = [{"firstname": f"P{i}", "annual_salary": 50_000 + i} for i in range(30)]
    records = record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)
    AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)

    readings = selectors.values_read(actor=tenant_a_admin, records=records)

    assert [readings[r.pk]["annual_salary"].value for r in records] == [50_000 + i for i in range(30)]
    event = AuditEvent.objects.get()
    assert event.kind == AuditEvent.Kind.SENSITIVE_READ
    assert len(event.record_ids) == 30 and event.property_names == ["annual_salary"]


def test_no_value_leaves_a_read_whose_audit_event_was_not_written(rosalind, tenant_a_admin):
    # The event's insert runs while the values are decrypted; its failure must still stop the read.
    refuse = {
        "postgresql": [
            "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit store refuses'; END $$",
            "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse()",
        ],
        "sqlite": [
            "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit store refuses'); END",
        ],
    }[connection.vendor]
    with connection.cursor() as cursor:
        for statement in refuse:
            cursor.execute(statement)

    with pytest.raises(DatabaseError, match="audit store refuses"):
        selectors.values_read(actor=tenant_a_admin, records=[rosalind])

    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER audit_refuse" + (" ON audit_auditevent" if connection.vendor == "postgresql" else "")
        )
    assert selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"].value == 91250


def test_a_bulk_read_does_not_query_per_value(tenant_a_admin, contacts_a, salary, django_assert_max_num_queries):
    rows = [{"firstname": f"P{i}", "annual_salary": i} for i in range(200)]
    records = record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)

    # definitions, state, values; the audit event: savepoint, chain head, event, head, record links, release
    with django_assert_max_num_queries(9):
        selectors.values_read(actor=tenant_a_admin, records=records)


def test_dates_round_trip_through_the_form_helpers(tenant_a_admin, contacts_a):
    services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="dob",
        label="Date of birth",
        data_type="date",
        sensitivity=S.SENSITIVE,
    )
    record = record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"dob": dt.date(1990, 1, 2)}
    )

    assert selectors.values_read(actor=tenant_a_admin, records=[record])[record.pk]["dob"].value == "1990-01-02"
