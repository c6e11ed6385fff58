import json
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import AuditEvent
from crm import services
from crm.records import services as record_services
from sensitive import blind_index_rotation, keys, rotation, selectors
from sensitive import services as sensitive_services
from sensitive.models import SensitiveValue, TenantKeyset
from sensitive.readings import State


@pytest.fixture
def many(tenant_a_admin, contacts_a, salary):
    rows = [{"firstname": f"P{i}", "annual_salary": 1_000 + i} for i in range(120)]
    return record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)


def _salaries(actor, records):
    readings = selectors.values_read(actor=actor, records=records)
    return [readings[r.pk]["annual_salary"].value for r in records]


def test_a_rotation_killed_halfway_loses_nothing_and_finishes_when_run_again(tenant_a, tenant_a_admin, many):
    old_key = TenantKeyset.objects.get(tenant=tenant_a).primary_key_id

    # when: the first run stops after two batches of 25 (as if killed)
    first = rotation.tenant_key_rotate(tenant=tenant_a, batch_size=25, max_batches=2)

    # then: half-way, every value still reads, on either key
    assert not first.finished and first.reencrypted == 50 and first.remaining == 70
    assert _salaries(tenant_a_admin, many) == [1_000 + i for i in range(120)]
    keyset = TenantKeyset.objects.get(tenant=tenant_a)
    assert keyset.primary_key_id != old_key
    assert set(SensitiveValue.objects.values_list("key_id", flat=True)) == {old_key, keyset.primary_key_id}

    # when: run again
    second = rotation.tenant_key_rotate(tenant=tenant_a, batch_size=25)

    # then: every value is on the new key, and the old key is gone from the keyset
    assert second.finished and second.remaining == 0
    assert set(SensitiveValue.objects.values_list("key_id", flat=True)) == {keyset.primary_key_id}
    assert keys.keyset_key_ids(keys.tenant_aead_handle(TenantKeyset.objects.get(tenant=tenant_a))) == [
        keyset.primary_key_id
    ]
    assert _salaries(tenant_a_admin, many) == [1_000 + i for i in range(120)]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TENANT_KEY_ROTATED).count() == 1


def test_a_rotation_killed_before_the_new_key_is_primary_resumes(tenant_a, tenant_a_admin, many, settings):
    def killed(seconds):
        raise KeyboardInterrupt

    settings.SENSITIVE_KEY_PROPAGATION_SECONDS = 60
    with pytest.raises(KeyboardInterrupt):
        rotation.tenant_key_rotate(tenant=tenant_a, sleep=killed)

    keyset = TenantKeyset.objects.get(tenant=tenant_a)
    assert keyset.pending_key_id is not None
    assert _salaries(tenant_a_admin, many)[:3] == [1_000, 1_001, 1_002]

    settings.SENSITIVE_KEY_PROPAGATION_SECONDS = 0
    result = rotation.tenant_key_rotate(tenant=tenant_a)

    assert result.finished
    assert set(SensitiveValue.objects.values_list("key_id", flat=True)) == {keyset.pending_key_id}


def test_a_write_during_a_rotation_is_not_overwritten(tenant_a, tenant_a_admin, many):
    rotation.tenant_key_rotate(tenant=tenant_a, batch_size=10, max_batches=1)
    record_services.record_update(actor=tenant_a_admin, record=many[-1], values={"annual_salary": 7})

    rotation.tenant_key_rotate(tenant=tenant_a, batch_size=10)

    assert _salaries(tenant_a_admin, [many[-1]]) == [7]


def test_the_command_rotates_with_a_progress_bar(tenant_a, many, capsys):
    call_command("rotate_tenant_key", "Acme", "--batch-size", "50")

    out = capsys.readouterr()
    assert "120 values re-encrypted, 120 blind indexes recomputed" in out.out
    assert "Encryption key" in out.err and "Blind index key" in out.err and "120/120" in out.err
    assert len(_prf_key_ids(tenant_a)) == 1


def test_the_command_names_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant named 'Nope'"):
        call_command("rotate_tenant_key", "Nope")


def _prf_key_ids(tenant):
    return keys.keyset_key_ids(keys.tenant_prf_handle(TenantKeyset.objects.get(tenant=tenant)))


def _indexes(records):
    return dict(SensitiveValue.objects.filter(record__in=records).values_list("record_id", "blind_index"))


def test_a_blind_index_key_rotation_killed_halfway_keeps_filters_exact_and_finishes(
    tenant_a, tenant_a_admin, many, salary
):
    (old_key,) = _prf_key_ids(tenant_a)
    before = _indexes(many)

    # when: the first run stops after two batches of 25 (as if killed)
    first = blind_index_rotation.blind_index_key_rotate(tenant=tenant_a, batch_size=25, max_batches=2)

    # then: half-way, values are indexed under either key, and an equality filter finds each exactly
    assert not first.finished and first.reencrypted == 50 and first.remaining == 70
    assert len(_prf_key_ids(tenant_a)) == 2
    for record in (many[0], many[60], many[119]):
        value = 1_000 + many.index(record)
        assert selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value=value) == [record.pk]

    # when: run again
    second = blind_index_rotation.blind_index_key_rotate(tenant=tenant_a, batch_size=25)

    # then: one key, not the old one; the indexes were recomputed; filters still exact
    assert second.finished and second.reencrypted == 70
    (new_key,) = _prf_key_ids(tenant_a)
    after = _indexes(many)
    assert new_key != old_key and after.keys() == before.keys()
    assert sum(after[pk] != before[pk] for pk in before) > 100  # 16-bit indexes: a few may coincide
    assert selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value=1_077) == [many[77].pk]
    assert TenantKeyset.objects.get(tenant=tenant_a).reindex_since is None
    assert set(SensitiveValue.objects.filter(property=salary).values_list("blind_key_id", flat=True)) == {new_key}
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.TENANT_KEY_ROTATED).get()
    assert event.details["keyset"] == "blind index" and event.details["retired_key_ids"] == [old_key]


def test_a_value_written_during_a_blind_index_rotation_is_found(tenant_a, tenant_a_admin, many, salary):
    blind_index_rotation.blind_index_key_rotate(tenant=tenant_a, batch_size=10, max_batches=1)
    record_services.record_update(actor=tenant_a_admin, record=many[3], values={"annual_salary": 424_242})

    blind_index_rotation.blind_index_key_rotate(tenant=tenant_a, batch_size=10)

    assert selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value=424_242) == [many[3].pk]


def test_a_searchable_property_created_during_a_blind_index_rotation_keeps_its_indexes(
    tenant_a, tenant_a_admin, contacts_a, many
):
    made = {}

    def create_once(count):
        if not made:
            iban = services.property_definition_create(
                actor=tenant_a_admin,
                object_type=contacts_a,
                name="iban",
                label="IBAN",
                sensitivity="sensitive",
                searchable=True,
            )
            record = record_services.record_create(
                actor=tenant_a_admin, object_type=contacts_a, values={"iban": "DE89 3704"}
            )
            made.update(iban=iban, record=record)

    result = blind_index_rotation.blind_index_key_rotate(tenant=tenant_a, batch_size=25, progress=create_once)

    assert result.finished
    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=made["iban"], value="DE89 3704")
    assert found == [made["record"].pk]


def test_a_run_killed_during_the_blind_index_rotation_does_not_rotate_the_encryption_key_again(tenant_a, many, capsys):
    rotation.tenant_key_rotate(tenant=tenant_a)
    aead_key = TenantKeyset.objects.get(tenant=tenant_a).primary_key_id
    blind_index_rotation.blind_index_key_rotate(tenant=tenant_a, batch_size=25, max_batches=1)

    call_command("rotate_tenant_key", "Acme")

    assert "0 values re-encrypted, 95 blind indexes recomputed" in capsys.readouterr().out
    assert TenantKeyset.objects.get(tenant=tenant_a).primary_key_id == aead_key
    assert len(_prf_key_ids(tenant_a)) == 1


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_rotation_waits_for_an_import_that_took_the_old_keys(
    tenant_a, tenant_a_admin, contacts_a, salary, monkeypatch
):
    # An import takes the keys, then takes its time before it writes; a rotation starts meanwhile.
    taken, real_insert = threading.Event(), sensitive_services.rows_insert

    def slow_insert(*args, **kwargs):
        taken.set()
        time.sleep(1.5)
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(sensitive_services, "rows_insert", slow_insert)
    imported = {}

    def import_rows():
        rows = [{"firstname": "Imp", "annual_salary": 777_777}]
        imported["records"] = record_services.records_bulk_create(
            actor=tenant_a_admin, object_type=contacts_a, rows=rows
        )
        connection.close()

    importer = threading.Thread(target=import_rows)
    importer.start()
    assert taken.wait(10)

    # when: both key rotations run to the end while the import is under way
    assert rotation.tenant_key_rotate(tenant=tenant_a).finished
    assert blind_index_rotation.blind_index_key_rotate(tenant=tenant_a).finished
    importer.join()

    # then: the imported value reads, and the equality filter finds it, under the new keys only
    (record,) = imported["records"]
    assert _salaries(tenant_a_admin, [record]) == [777_777]
    assert selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value=777_777) == [record.pk]
    assert len(_prf_key_ids(tenant_a)) == 1


def test_shredding_makes_values_unreadable_for_good(tenant_a, tenant_a_admin, many, rosalind):
    with pytest.raises(CommandError, match="--confirm"):
        call_command("shred_tenant", "Acme")
    assert _salaries(tenant_a_admin, many[:1]) == [1_000]

    call_command("shred_tenant", "Acme", "--confirm")

    readings = selectors.values_read(actor=tenant_a_admin, records=[*many[:5], rosalind])
    assert {reading.state for row in readings.values() for reading in row.values()} == {
        State.KEY_DESTROYED,
        State.MASKED,
    }
    assert str(readings[many[0].pk]["annual_salary"]) == "Key destroyed"
    keyset = TenantKeyset.objects.get(tenant=tenant_a)
    assert bytes(keyset.aead_keyset) == b"" and bytes(keyset.prf_keyset) == b""
    with pytest.raises(keys.TenantKeysDestroyed):
        record_services.record_update(actor=tenant_a_admin, record=many[0], values={"annual_salary": 5})
    # plain values still work
    record_services.record_update(actor=tenant_a_admin, record=many[0], values={"firstname": "Still here"})


def test_master_key_rotation_rewraps_every_tenant_and_drops_the_old_key(
    tenant_a, tenant_a_admin, tenant_b_user, many, capsys
):
    path = Path(settings.SENSITIVE_MASTER_KEY_URI.removeprefix("file://"))
    old_master = json.loads(path.read_text())["primaryKeyId"]

    call_command("rotate_master_key")

    new_master = json.loads(path.read_text())
    assert new_master["primaryKeyId"] != old_master and len(new_master["key"]) == 1
    assert set(TenantKeyset.objects.values_list("kek_ref", flat=True)) == {f"file:{new_master['primaryKeyId']}"}
    keys.forget_cached_keys()
    assert _salaries(tenant_a_admin, many[:3]) == [1_000, 1_001, 1_002]
    assert "Re-wrapped the keys of 2 tenants" in capsys.readouterr().out
    assert path.stat().st_mode & 0o777 == 0o600
