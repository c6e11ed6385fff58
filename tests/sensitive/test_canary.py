"""Distinctive values written through every path must appear nowhere but inside ciphertext.

Scans every column of every table, as text and as bytes, and every log line (including the SQL
that Django sent, with its parameters) for the canaries.
"""

import logging

import pytest
from django.db import connection
from django.urls import reverse

from crm import services
from crm.models import PropertyDefinition
from crm.records import services as record_services
from sensitive import selectors
from sensitive.sensitivity import property_sensitivity_change

S = PropertyDefinition.Sensitivity
CANARIES = {
    "create": "CANARY-create-5d1e",
    "update": "CANARY-update-90ab",
    "bulk": "CANARY-bulk-77c3",
    "admin": "CANARY-admin-e41f",
    "raised": "CANARY-raised-3b2c",
    "number": "987654321.25",
}


def _database_text() -> tuple[str, bytes]:
    texts, blobs = [], []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for cell in row:
                    if isinstance(cell, memoryview | bytes | bytearray):
                        blobs.append(bytes(cell))
                    else:
                        texts.append(str(cell))
    return "\n".join(texts), b"\n".join(blobs)


@pytest.fixture
def logs(caplog):
    connection.force_debug_cursor = True  # log every SQL statement with its parameters
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    yield caplog
    connection.force_debug_cursor = False


def test_no_sensitive_value_is_stored_or_logged_outside_its_ciphertext(
    tenant_a_admin, contacts_a, client, logs, django_capture_on_commit_callbacks
):
    # given: sensitive properties of several kinds
    for name, data_type in [("gov_id", "string"), ("salary", "number"), ("notes", "string")]:
        services.property_definition_create(
            actor=tenant_a_admin,
            object_type=contacts_a,
            name=name,
            label=name.title(),
            data_type=data_type,
            sensitivity=S.HIGHLY_SENSITIVE if name == "gov_id" else S.SENSITIVE,
            searchable=True,
        )

    # and a plain value that becomes sensitive later (its plain life before that may be logged)
    person = record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Plain", "phone": CANARIES["raised"]}
    )
    logs.clear()

    # when: values go in through every path that exists
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    with django_capture_on_commit_callbacks(execute=True):
        property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity=S.SENSITIVE)
    person.refresh_from_db()
    record_services.record_update(
        actor=tenant_a_admin, record=person, values={"gov_id": CANARIES["create"], "salary": CANARIES["number"]}
    )
    record_services.record_update(actor=tenant_a_admin, record=person, values={"notes": CANARIES["update"]})
    record_services.records_bulk_create(
        actor=tenant_a_admin, object_type=contacts_a, rows=[{"firstname": "Bulk", "gov_id": CANARIES["bulk"]}]
    )
    client.force_login(tenant_a_admin)
    response = client.post(
        reverse("admin:crm_record_change", args=[person.pk]),
        {
            "owner": tenant_a_admin.pk,
            "properties": '{"firstname": "Plain"}',
            "sensitive__notes": CANARIES["admin"],
            "sensitive__salary": CANARIES["number"],
            "sensitive__phone": CANARIES["raised"],
        },  # as a browser sends
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # and are read, revealed and searched
    selectors.values_read(actor=tenant_a_admin, records=[person])
    selectors.value_reveal(actor=tenant_a_admin, record=person, name="gov_id")
    selectors.record_ids_matching(actor=tenant_a_admin, definition=phone, value=CANARIES["raised"])
    client.get(reverse("record_detail", args=["contacts", person.pk]))
    record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"gov_id": CANARIES["create"] + "2"}
    )

    # then: they read back...
    readings = selectors.values_read(actor=tenant_a_admin, records=[person], reveal=True)[person.pk]
    assert readings["notes"].value == CANARIES["admin"]
    assert readings["phone"].value == CANARIES["raised"]
    assert readings["salary"].value == 987654321.25
    # ...and appear nowhere at rest or in the logs
    text, blobs = _database_text()
    log_text = logs.text + "\n".join(str(record.args) for record in logs.records)
    assert "Plain" in text and len(logs.records) > 50  # the scan sees data and logs at all
    for name, canary in CANARIES.items():
        assert canary not in text, f"{name} canary found in a database column"
        assert canary.encode() not in blobs, f"{name} canary found in a binary column"
        assert canary not in log_text, f"{name} canary found in the logs"
