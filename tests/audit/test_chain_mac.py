"""The chain's links are keyed: someone who can write to the database cannot forge them."""

import hashlib
import json

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from accounts import health
from audit import chain, tasks
from audit import services as audit_services
from audit.models import PLATFORM_CHAIN, AuditEvent
from core.master_key import MasterKeyUnavailable
from crm.records import services as record_services


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _rewrite_with_sha256(events: list[AuditEvent], start: int, **changes) -> None:
    """What an attacker with database access did to the unkeyed chain: change an event and
    recompute every link from it on, and the head, with plain SHA-256."""
    prev = events[start - 1].hash if start else events[0].prev_hash
    for index, event in enumerate(events[start:]):
        if index == 0:
            for name, value in changes.items():
                setattr(event, name, value)
        event.prev_hash = prev
        event.hash = hashlib.sha256(chain.canonical(event)).hexdigest()
        _sql(
            "UPDATE audit_auditevent SET details = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.details), event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    _sql("UPDATE audit_auditchainhead SET hash = %s WHERE chain = %s", [prev, events[0].chain])


def test_an_edit_with_recomputed_sha256_links_is_found(history):
    # given
    _rewrite_with_sha256(history, 2, details={"changed": ["nothing to see"]})

    # when
    with pytest.raises(CommandError, match="broken for: Acme"):
        call_command("audit_verify", "--tenant", "Acme")

    # then
    _, fault = chain.verify(history[2].chain)
    assert fault.seq == history[2].seq


def test_platform_events_are_keyed_too(operator):
    # given an event without a tenant, in the platform chain
    audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=operator)
    events = list(AuditEvent.objects.filter(chain=PLATFORM_CHAIN).order_by("seq"))
    assert events and chain.verify(PLATFORM_CHAIN)[1] is None

    # when
    _rewrite_with_sha256(events, 0, details={"forged": True})

    # then
    assert chain.verify(PLATFORM_CHAIN)[1] is not None


def test_without_the_master_key_the_links_cannot_be_recomputed(history, settings, tmp_path):
    # given the database, but another master key than the one that wrapped the chain's key
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{tmp_path / 'other-master-key.json'}"
    _forget_cached_keys()

    # then
    with pytest.raises(MasterKeyUnavailable):
        chain.verify(history[0].chain)


def test_a_removed_chain_key_is_found(history):
    # given
    _sql("DELETE FROM audit_auditchainkey WHERE chain = %s", [history[0].chain])
    _forget_cached_keys()

    # then
    _, fault = chain.verify(history[0].chain)
    assert fault is not None and "key" in fault.reason


def test_links_made_before_the_keys_verify_as_before(history, tenant_a_admin, contacts_a):
    # given a chain whose links are the unkeyed SHA-256 of before, sealed as such when keys came
    key = history[0].chain
    _sql("DELETE FROM audit_auditchainkey WHERE chain = %s", [key])
    _forget_cached_keys()
    _rewrite_with_sha256(history, 0)
    from audit import chain_keys

    chain_keys.legacy_chains_seal()

    # when the chain goes on with keyed links
    record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Grace"})
    audit_services.events_seal(tenant=tenant_a_admin.tenant)

    # then
    checked, fault = chain.verify(key)
    assert fault is None and checked > len(history)
    # and an old link still cannot be changed without breaking the first keyed one
    _rewrite_with_sha256(history, 1, details={"forged": True})
    assert chain.verify(key)[1] is not None


def test_the_nightly_verification_of_a_broken_chain_records_it_and_fails_the_health_check(
    history, tenant_a, tenant_a_admin, client, capsys
):
    # given
    _rewrite_with_sha256(history, 2, details={"changed": ["nothing to see"]})

    # when
    tasks.audit_verify_task()

    # then
    broken = AuditEvent.objects.get(tenant=tenant_a, kind=AuditEvent.Kind.AUDIT_CHAIN_BROKEN)
    assert broken.details["seq"] == history[2].seq
    result = health.audit_chain_intact(tenant_a)
    assert result.state == health.FAILING and f"#{history[2].seq}" in result.found
    call_command("security_check", "--tenant", "Acme")
    assert "[FAILING] Audit chain" in capsys.readouterr().out
    client.force_login(tenant_a_admin)
    assert "found the audit chain broken" in client.get(reverse("security_health")).content.decode()


def test_the_nightly_verification_of_an_intact_chain_says_so(history, tenant_a):
    tasks.audit_verify_task()

    assert health.audit_chain_intact(tenant_a).state == health.OK
    assert AuditEvent.objects.filter(tenant=tenant_a, kind=AuditEvent.Kind.AUDIT_VERIFIED).exists()


def test_the_verification_runs_every_night():
    schedule = django_settings.CELERY_BEAT_SCHEDULE

    assert any(entry["task"] == "audit.tasks.audit_verify_task" for entry in schedule.values())


def _forget_cached_keys() -> None:
    from audit import chain_keys
    from sensitive import keys

    keys.forget_cached_keys()
    chain_keys.forget_cached_keys()


def test_the_chains_still_verify_after_a_master_key_rotation(history):
    # given
    from sensitive import rotation

    rotation.master_key_rotate()
    _forget_cached_keys()

    # then: the chain keys were wrapped anew before the old master key was dropped
    assert chain.verify(history[0].chain)[1] is None
