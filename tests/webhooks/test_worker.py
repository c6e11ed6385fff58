"""Webhooks sent by a real Celery worker on Redis (CI: Redis, PostgreSQL): the broker, the worker's
log, the stored deliveries and the requests themselves never hold a sensitive value."""

from __future__ import annotations

import json
import time

import redis

from crm.records import api as records
from tests.sensitive.test_worker import BROKER, _start_worker, broker, pytestmark  # noqa: F401
from tests.webhooks.conftest import STANDARD, events_of, signature_ok, subscribe
from tests.workflows.conftest import CANARY, CANARY_SALARY, nickname  # noqa: F401 (a fixture)
from tests.workflows.test_worker import _broker_text, _decoded
from webhooks.models import Delivery
from webhooks.tasks import webhooks_sweep_task


def _clean(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text and str(CANARY_SALARY) not in text and f"{CANARY_SALARY:,}" not in text


def _wait_for(done, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        time.sleep(0.2)


def test_a_worker_delivers_signed_events_and_no_canary_is_ever_in_redis_or_its_log(
    hooked, tenant_a_admin, contacts_a, nickname, broker
):
    app, _, secret, url, handler = hooked
    subscribe(app, contacts_a, *STANDARD, ("propertyChange", "nickname"))
    redis.Redis.from_url(BROKER).flushdb()

    # when: contacts are made and changed with sensitive canaries, no worker running yet
    rosa = records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa"})
    records.record_write(
        actor=tenant_a_admin,
        record=rosa,
        values={"firstname": "Rosalind", "nickname": CANARY, "annual_salary": CANARY_SALARY},
    )

    # then: the queued messages name ids and property names only
    queued = _decoded(_broker_text())
    assert queued.count("webhooks.tasks.webhooks_change_task") == 2
    assert "nickname" in queued and str(rosa.pk) in queued
    _clean(queued)

    # when: a real worker runs them (and the sweep's message too)
    worker = _start_worker()
    scans = []
    try:
        _wait_for(lambda: Delivery.objects.filter(status="delivered").count() == 2 or scans.append(_broker_text()))
        webhooks_sweep_task.delay()
        time.sleep(1)
        scans.append(_broker_text())
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()

    # then: delivered, signed, with REDACTED for the sensitive properties and the plain value as it is
    assert Delivery.objects.filter(status="delivered").count() == 2, output[-3000:]
    assert "webhooks.tasks.webhook_deliver_task" in output and "succeeded" in output
    for _, headers, body in handler.seen:
        assert signature_ok(url, headers, body, secret)
    values = {e["propertyName"]: e["propertyValue"] for e in events_of(handler) if "propertyName" in e}
    assert values == {"firstname": "Rosalind", "nickname": "REDACTED", "annual_salary": "REDACTED"}

    # and: no canary in any Redis key or message seen during the run, in the worker's log, in the
    # requests, or in the stored deliveries
    _clean(
        output,
        _decoded(_broker_text()),
        *(_decoded(scan) for scan in scans),
        *(body.decode() for _, _, body in handler.seen),
        json.dumps(list(Delivery.objects.values_list("payload", "last_error"))),
    )
    assert scans, "the broker was scanned while the worker ran"
