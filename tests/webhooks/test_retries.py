"""A webhook endpoint that answers 500 or times out: recorded failed attempts, retried with backoff,
failed after the last one; never a crashed worker, never a lost or doubled delivery."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from crm.records import api as records
from tests.webhooks.conftest import events_of
from webhooks import events, sending
from webhooks.models import Delivery, WebhookSettings
from webhooks.tasks import webhook_deliver_task, webhooks_change_task, webhooks_sweep_task

pytestmark = pytest.mark.django_db(transaction=True)


def _due_now() -> None:
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_500_is_retried_with_backoff_then_failed_after_the_last_attempt(hooked, tenant_a_admin, contacts_a, settings):
    _, _, _, _, handler = hooked
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    handler.answer = 500

    # when: a contact is made and the endpoint answers 500
    before = timezone.now()
    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})

    # then: one failed attempt, recorded, and the next one due after the backoff
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.last_error == "The endpoint answered 500."
    assert delivery.next_attempt_at >= before + sending.backoff(1) - dt.timedelta(seconds=1)

    # when: the sweep finds nothing due yet, then (time passing) twice finds it due
    assert webhooks_sweep_task() == 0
    for _ in range(2):
        _due_now()
        assert webhooks_sweep_task() == 1

    # then: three attempts in all, numbered as HubSpot numbers them, and failed for good
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.next_attempt_at) == (
        "failed",
        3,
        500,
        None,
    )
    assert [e["attemptNumber"] for e in events_of(handler)] == [0, 1, 2]
    _due_now()
    assert webhooks_sweep_task() == 0 and len(handler.seen) == 3


def test_a_timeout_is_a_recorded_attempt_and_a_later_success_delivers(hooked, tenant_a_admin, contacts_a, settings):
    _, _, _, _, handler = hooked
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    handler.delay = 1.0

    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Slow"})

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, None)
    assert "time" in delivery.last_error

    handler.delay = 0.0
    _due_now()
    webhooks_sweep_task()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.last_error) == (
        "delivered",
        2,
        200,
        "",
    )
    assert delivery.delivered_at is not None


def test_a_delivery_sent_twice_posts_once(hooked, tenant_a_admin, contacts_a):
    _, _, _, _, handler = hooked
    handler.answer = 500
    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Once"})
    delivery = Delivery.objects.get()
    handler.answer, handler.delay = 200, 0.5
    handler.seen.clear()
    _due_now()

    # when: two workers get the same message at once, and a third later
    results = []
    threads = [threading.Thread(target=lambda: results.append(webhook_deliver_task(str(delivery.pk)))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.append(webhook_deliver_task(str(delivery.pk)))

    # then: one POST, one delivered
    assert sorted(results) == ["delivered", "skipped", "skipped"]
    assert len(handler.seen) == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2


def test_a_change_task_run_twice_makes_one_set_of_deliveries(hooked, tenant_a_admin, contacts_a):
    _, _, _, _, handler = hooked
    rosa = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})
    Delivery.objects.all().delete()
    handler.seen.clear()
    args = ("change-1", str(tenant_a_admin.tenant_id), str(contacts_a.pk), "updated", [str(rosa.pk)])

    webhooks_change_task(*args, None, ["firstname"])
    webhooks_change_task(*args, None, ["firstname"])

    assert Delivery.objects.count() == 1 and len(handler.seen) == 1


def test_an_unopenable_secret_is_a_recorded_failure_not_a_crash(hooked, tenant_a_admin, contacts_a):
    app, _, _, _, handler = hooked
    WebhookSettings.objects.filter(app=app).update(secret_sealed=b"not a ciphertext")

    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})

    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error == "Could not send (SecretUnavailable)."
    assert handler.seen == []


def test_a_sender_lost_mid_call_is_swept_back_and_sent(hooked, tenant_a_admin, contacts_a):
    _, _, _, _, handler = hooked
    handler.answer = 500
    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Lost"})
    handler.answer = 200
    # a worker claimed it and died before it recorded anything
    Delivery.objects.update(status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=10))

    assert webhooks_sweep_task() == 1

    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 3


def test_backoff_grows_exponentially_to_its_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 10, 50
    assert [sending.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 50]
    assert events.REDACTED == "REDACTED"
