"""The chain detects a modified, a deleted and a reordered event; tampering goes straight to the database."""

import datetime as dt
import gzip

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from audit import chain, record_index, retention, selectors
from audit.models import AuditChainHead, AuditEvent, AuditEventRecord, chain_key


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_chain_verifies(history, capsys):
    call_command("audit_verify", "--tenant", "Acme")

    assert f"Acme: {len(history)} events, chain intact." in capsys.readouterr().out


def test_a_modified_event_is_found(history):
    victim = history[3]
    _sql("UPDATE audit_auditevent SET actor_email = %s WHERE id = %s", ["someone@else.test", victim.pk])

    with pytest.raises(CommandError, match="broken for: Acme"):
        call_command("audit_verify", "--tenant", "Acme")
    _, fault = chain.verify(victim.chain)
    assert fault.seq == victim.seq and "modified" in fault.reason


def test_a_deleted_event_is_found(history, capsys):
    victim = history[2]
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])

    with pytest.raises(CommandError):
        call_command("audit_verify", "--tenant", "Acme")
    assert f"BROKEN at event #{victim.seq}" in capsys.readouterr().out


def test_a_deleted_last_event_is_found(history):
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [history[-1].pk])

    _, fault = chain.verify(history[-1].chain)
    assert "head says" in fault.reason


def test_reordered_events_are_found(history):
    first, second = history[2], history[3]
    # swap their places in the sequence (through a spare number, for the unique constraint)
    _sql("UPDATE audit_auditevent SET seq = -1 WHERE id = %s", [first.pk])
    _sql("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [first.seq, second.pk])
    _sql("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [second.seq, first.pk])

    _, fault = chain.verify(first.chain)
    assert fault is not None and fault.seq == first.seq


def test_the_application_refuses_to_change_or_delete_events(history):
    event = history[0]
    event.kind = "x"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(kind="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_old_events_are_archived_and_verification_still_works(history, tenant_a, tmp_path, settings, capsys):
    settings.AUDIT_ARCHIVE_DIR = tmp_path
    later = timezone.now() + dt.timedelta(days=tenant_a.audit_retention_days, minutes=1)

    result = retention.tenant_audit_archive(tenant=tenant_a, now=later)

    assert result.events == len(history)
    head = AuditChainHead.objects.get(chain=chain_key(tenant_a.pk))
    assert head.archived_seq == history[-1].seq
    with gzip.open(result.files[0], "rt") as handle:
        assert len(handle.readlines()) == len(history)
    remaining = AuditEvent.objects.filter(chain=head.chain)
    assert [event.kind for event in remaining] == [AuditEvent.Kind.AUDIT_ARCHIVED]
    assert not AuditEventRecord.objects.filter(event_id__in=[event.pk for event in history]).exists()
    call_command("audit_verify", "--tenant", "Acme", "--archives")
    assert "Acme (archives): 5 events, chain intact." in capsys.readouterr().out


def test_recent_events_are_kept(history, tenant_a, tmp_path, settings):
    settings.AUDIT_ARCHIVE_DIR = tmp_path

    assert retention.tenant_audit_archive(tenant=tenant_a).events == 0
    assert AuditEvent.objects.filter(chain=chain_key(tenant_a.pk)).count() == len(history)


def test_verify_names_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant named"):
        call_command("audit_verify", "--tenant", "Nobody")


def test_hiding_an_access_from_a_records_history_is_found(history):
    """ "Who accessed this record" can't be made to forget an event without breaking the chain."""
    victim = history[1]
    if record_index.has_rows():  # SQLite: the index is rows of its own, checked against the event
        _sql("DELETE FROM audit_auditeventrecord WHERE event_id = %s", [victim.pk])
        expected = "record index"
    else:  # PostgreSQL: the index is over the event's own (hashed) record ids
        _sql("UPDATE audit_auditevent SET record_ids = '[]' WHERE id = %s", [victim.pk])
        expected = "modified"

    _, fault = chain.verify(victim.chain)

    assert fault.seq == victim.seq and expected in fault.reason


def test_who_accessed_a_record_is_found_through_the_index(history, tenant_a_admin):
    record_id = next(event.record_ids[0] for event in history if event.record_ids)

    events = selectors.event_list(actor=tenant_a_admin, record_id=record_id)

    assert {event.pk for event in events} == {event.pk for event in history if record_id in event.record_ids}
