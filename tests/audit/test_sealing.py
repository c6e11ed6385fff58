"""Events are written without a lock and sealed into their chain after commit; nothing is lost on the way."""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit import chain, retention, sealing, tasks
from audit import services as audit_services
from audit.models import AuditChainHead, AuditEvent, chain_key
from crm import services
from crm.models import PropertyDefinition
from crm.records import services as record_services
from sensitive import selectors

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def ada(tenant_a_admin, contacts_a):
    services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="annual_salary",
        label="Annual salary",
        data_type="number",
        sensitivity=PropertyDefinition.Sensitivity.SENSITIVE,
    )
    return record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Ada", "annual_salary": 91250}
    )


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _events(tenant) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(chain=chain_key(tenant.pk)).order_by("id"))


def _sealed(tenant) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(chain=chain_key(tenant.pk), seq__isnull=False).order_by("seq"))


def test_a_change_to_an_event_not_sealed_yet_is_found(tenant_a, tenant_a_admin, ada):
    # given an event written but not sealed (the test's transaction never commits)
    selectors.values_read(actor=tenant_a_admin, records=[ada])
    victim = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_READ)
    assert victim.seq is None and chain.verify(victim.chain)[1] is None

    # when someone with access to the database hides who read it
    _sql("UPDATE audit_auditevent SET actor_email = %s WHERE id = %s", ["someone@else.test", victim.pk])

    # then the unsealed tail is found modified, and sealing it does not launder the change
    _, fault = chain.verify(victim.chain)
    assert fault is not None and fault.event_id == victim.pk and "modified" in fault.reason
    with pytest.raises(CommandError, match="broken for: Acme"):
        call_command("audit_verify", "--tenant", "Acme")  # seals first
    victim.refresh_from_db()
    _, fault = chain.verify(victim.chain)
    assert victim.seq is not None and fault.seq == victim.seq and "modified" in fault.reason


def test_an_event_whose_own_mac_was_removed_does_not_verify(tenant_a, tenant_a_admin, ada):
    # given an unsealed event changed, and its own MAC blanked so that it looks like an older event
    selectors.values_read(actor=tenant_a_admin, records=[ada])
    victim = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_READ)
    _sql("UPDATE audit_auditevent SET details = '{}', mac = '' WHERE id = %s", [victim.pk])

    # when it is sealed
    audit_services.events_seal(tenant=tenant_a)

    # then
    _, fault = chain.verify(victim.chain)
    assert fault is not None and fault.event_id == victim.pk


def test_a_deleted_sealed_event_is_found(tenant_a, tenant_a_admin, ada):
    # given
    for _ in range(3):
        selectors.values_read(actor=tenant_a_admin, records=[ada])
    audit_services.events_seal(tenant=tenant_a)
    history = _sealed(tenant_a)
    assert chain.verify(history[0].chain) == (len(history), None)

    # when
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [history[-2].pk])

    # then
    _, fault = chain.verify(history[0].chain)
    assert fault is not None and fault.seq == history[-2].seq and "missing" in fault.reason


def test_sealed_events_that_swap_places_with_their_links_are_found(tenant_a, tenant_a_admin, ada):
    # given
    for _ in range(3):
        selectors.values_read(actor=tenant_a_admin, records=[ada])
    audit_services.events_seal(tenant=tenant_a)
    first, second = _sealed(tenant_a)[-3:-1]

    # when the two trade their whole place in the chain: seq, the link before, their link
    _sql("UPDATE audit_auditevent SET seq = -1 WHERE id = %s", [first.pk])
    _sql(
        "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
        [first.seq, first.prev_hash, first.hash, second.pk],
    )
    _sql(
        "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
        [second.seq, second.prev_hash, second.hash, first.pk],
    )

    # then
    _, fault = chain.verify(first.chain)
    assert fault is not None and fault.seq == first.seq


def test_sealing_gives_every_event_its_place_in_order(tenant_a, tenant_a_admin, ada):
    for _ in range(3):
        selectors.values_read(actor=tenant_a_admin, records=[ada])

    sealed = audit_services.events_seal(tenant=tenant_a)

    events = _events(tenant_a)
    assert sealed == len(events) and [event.seq for event in events] == list(range(1, len(events) + 1))
    assert [event.prev_hash for event in events[1:]] == [event.hash for event in events[:-1]]
    head = AuditChainHead.objects.get(chain=chain_key(tenant_a.pk))
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert audit_services.events_seal(tenant=tenant_a) == 0


@pytest.mark.django_db(transaction=True)
def test_an_audited_page_view_is_sealed_once_its_transaction_commits(client, tenant_a, tenant_a_admin, ada):
    # given
    client.force_login(tenant_a_admin)

    # when a user reads the record
    response = client.get(reverse("record_detail", args=["contacts", ada.pk]))

    # then its read event is in the chain by the time the response is back
    assert response.status_code == 200
    read = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).latest("id")
    assert read.seq is not None and read.hash
    assert not AuditEvent.objects.filter(chain=chain_key(tenant_a.pk), seq__isnull=True).exists()
    assert chain.verify(read.chain)[1] is None


@pytest.mark.django_db(transaction=True)
def test_an_event_is_sealed_only_after_its_transaction_commits(tenant_a, tenant_a_admin):
    with transaction.atomic():
        event = audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=tenant_a_admin)
        assert AuditEvent.objects.get(pk=event.pk).seq is None

    assert AuditEvent.objects.get(pk=event.pk).seq is not None


@pytest.mark.django_db(transaction=True)
def test_no_value_leaves_a_read_whose_event_was_refused_and_nothing_is_sealed(tenant_a, tenant_a_admin, ada):
    # given an audit store that refuses new events
    sealed_before = _sealed(tenant_a)
    _refuse("INSERT")

    # when
    with pytest.raises(DatabaseError, match="audit store refuses"):
        selectors.values_read(actor=tenant_a_admin, records=[ada])

    # then
    _allow()
    assert _sealed(tenant_a) == sealed_before and not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()


@pytest.mark.django_db(transaction=True)
def test_a_read_whose_sealing_failed_keeps_its_event_and_the_sweep_seals_it(tenant_a, tenant_a_admin, ada):
    # given a sealer that cannot write links for now (the event itself can be written)
    _refuse("UPDATE")

    # when
    readings = selectors.values_read(actor=tenant_a_admin, records=[ada])

    # then the read had its event; it waits unsealed, and the beat sweep seals it later
    assert readings[ada.pk]["annual_salary"].value == 91250
    read = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_READ)
    assert read.seq is None
    _allow()
    assert tasks.audit_seal_task() >= 1
    read.refresh_from_db()
    assert read.seq is not None and chain.verify(read.chain)[1] is None


def test_the_sweep_runs_every_few_seconds():
    (entry,) = [entry for entry in django_settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].endswith("seal_task")]

    assert entry["task"] == "audit.tasks.audit_seal_task" and entry["schedule"] <= dt.timedelta(minutes=1)


def test_unsealed_events_are_sealed_before_they_are_archived(tenant_a, tenant_a_admin, ada, tmp_path, settings):
    # given events not sealed yet
    settings.AUDIT_ARCHIVE_DIR = tmp_path
    selectors.values_read(actor=tenant_a_admin, records=[ada])
    written = _events(tenant_a)
    assert any(event.seq is None for event in written)
    later = timezone.now() + dt.timedelta(days=tenant_a.audit_retention_days, minutes=1)

    # when
    result = retention.tenant_audit_archive(tenant=tenant_a, now=later)

    # then every one went to the files with its place in the chain, and both parts verify
    assert result.events == len(written)
    assert sealing.chain_seal(chain_key(tenant_a.pk)) == 1  # the archiving's own event
    call_command("audit_verify", "--tenant", "Acme", "--archives")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks: PostgreSQL (SQLite has one writer at a time anyway)")
@pytest.mark.django_db(transaction=True)
def test_a_slow_read_does_not_hold_up_the_tenants_other_reads_and_sign_ins(
    tenant_a, tenant_a_admin, member_a, ada, monkeypatch
):
    # given one read of the tenant inside its audit event, decrypting slowly, its transaction open
    inside, release = threading.Event(), threading.Event()
    real_decrypt = selectors._decrypt_into
    slow_thread = {}

    def decrypt_slowly(*args, **kwargs):
        real_decrypt(*args, **kwargs)
        if threading.get_ident() == slow_thread.get("ident"):
            inside.set()
            release.wait(30)

    monkeypatch.setattr(selectors, "_decrypt_into", decrypt_slowly)
    outcome = {}

    def slow_read():
        slow_thread["ident"] = threading.get_ident()
        try:
            with transaction.atomic():
                outcome["slow"] = selectors.values_read(actor=tenant_a_admin, records=[ada])
        finally:
            connection.close()

    def other_read_and_sign_in():
        try:
            started = time.monotonic()
            with transaction.atomic():
                outcome["other"] = selectors.values_read(actor=tenant_a_admin, records=[ada])
            with transaction.atomic():
                audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=member_a)
            outcome["seconds"] = time.monotonic() - started
        finally:
            connection.close()

    slow, other = threading.Thread(target=slow_read), threading.Thread(target=other_read_and_sign_in)
    slow.start()
    try:
        assert inside.wait(10)

        # when another user of the same tenant reads and signs in, each on its own connection
        other.start()
        other.join(5)

        # then both finish while the slow read still holds its transaction open
        assert not other.is_alive(), "the other read or sign-in waited for the slow read"
        assert outcome["other"][ada.pk]["annual_salary"].value == 91250
    finally:
        release.set()
        slow.join(30)
        if other.ident is not None:
            other.join(30)
    assert outcome["slow"][ada.pk]["annual_salary"].value == 91250
    # and every event of the three is in the chain, in one order
    audit_services.events_seal(tenant=tenant_a)
    assert not AuditEvent.objects.filter(chain=chain_key(tenant_a.pk), seq__isnull=True).exists()
    assert chain.verify(chain_key(tenant_a.pk))[1] is None


def _refuse(operation: str) -> None:
    statements = {
        "postgresql": [
            "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit store refuses'; END $$",
            f"CREATE TRIGGER audit_refuse BEFORE {operation} ON audit_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse()",
        ],
        "sqlite": [
            f"CREATE TRIGGER audit_refuse BEFORE {operation} ON audit_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit store refuses'); END",
        ],
    }[connection.vendor]
    for statement in statements:
        _sql(statement)


def _allow() -> None:
    if connection.vendor == "postgresql":
        _sql("DROP TRIGGER audit_refuse ON audit_auditevent")
        _sql("DROP FUNCTION audit_refuse()")
    else:
        _sql("DROP TRIGGER audit_refuse")


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_writes_several_events_of_a_chain_queues_one_seal(tenant_a, tenant_a_admin):
    with transaction.atomic():
        for _ in range(3):
            audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=tenant_a_admin)
        queued = [entry[1] for entry in connection.run_on_commit if hasattr(entry[1], "audit_chain")]

    assert [callback.audit_chain for callback in queued] == [chain_key(tenant_a.pk)]
    assert not AuditEvent.objects.filter(chain=chain_key(tenant_a.pk), seq__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_commits_within_the_seal_interval_share_one_seal_and_the_sweep_takes_the_rest(
    tenant_a, tenant_a_admin, settings
):
    # given: a process seals a chain at most once a minute after commits
    settings.AUDIT_SEAL_INTERVAL_SECONDS = 60
    sealing._last_sealed.clear()

    # when: three transactions commit one after the other
    events = [audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=tenant_a_admin) for _ in range(3)]

    # then: the first was sealed after its commit, the others wait, yet verify by their own MACs
    first, *rest = (AuditEvent.objects.get(pk=event.pk) for event in events)
    assert first.seq is not None
    assert all(event.seq is None for event in rest)
    assert chain.verify(first.chain)[1] is None
    # and the sweep seals them
    sealing.chains_seal_pending()
    assert not AuditEvent.objects.filter(chain=first.chain, seq__isnull=True).exists()
    sealing._last_sealed.clear()


def test_an_unsealed_event_given_a_place_past_the_head_by_hand_is_found(tenant_a, tenant_a_admin, member_a):
    # given: a sealed chain, and one event not sealed yet
    audit_services.events_seal(tenant=tenant_a)
    event = audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=tenant_a_admin)

    # when: someone with database access frames another user and moves the event out of reach of
    # both the walk (seq <= head) and the unsealed tail's check (seq IS NULL)
    _sql(
        "UPDATE audit_auditevent SET actor_email = %s, seq = 999999999 WHERE id = %s",
        [member_a.email, event.pk],
    )

    # then
    _, fault = chain.verify(chain_key(tenant_a.pk))
    assert fault is not None and fault.event_id == event.pk
    assert "forged" in fault.reason
