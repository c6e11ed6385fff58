"""After a raise moved the values, PostgreSQL vacuums the tables that held them (dead rows keep plaintext)."""

import os

import pytest
from auditlog.models import LogEntry
from django.db import connection

from crm.models import PropertyDefinition, Record
from crm.records import services as record_services
from sensitive.sensitivity import property_sensitivity_change

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="VACUUM and its statistics: PostgreSQL"
    ),
]


def _last_vacuums(tables: list[str]) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY(%s)", [tables])
        return dict(cursor.fetchall())


def test_a_raise_vacuums_the_records_and_their_history_once_the_values_moved(tenant_a_admin, contacts_a):
    # given: contacts with a plain phone number
    for i in range(3):
        record_services.record_create(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": f"P{i}", "phone": "+44 20 7946 0555"}
        )
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    tables = [Record._meta.db_table, LogEntry._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (started,) = cursor.fetchone()

    # when: the raise commits and its move runs (in-process, as in the embedded default)
    property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")

    # then
    phone.refresh_from_db()
    assert not phone.values_moving
    vacuumed = _last_vacuums(tables)
    assert all(vacuumed.get(table) and vacuumed[table] >= started for table in tables), vacuumed
