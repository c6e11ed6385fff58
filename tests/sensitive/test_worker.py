"""A sensitivity change queued on the real broker and run by a real Celery worker (CI: Redis, PostgreSQL)."""

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from crm.models import PropertyDefinition, Record
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from sensitive import selectors as sensitive_selectors
from sensitive.models import SensitiveValue
from sensitive.sensitivity import property_sensitivity_change

BROKER = os.environ.get("CELERY_BROKER_URL", "")
PHONE = "+44 20 7946 0999"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://... (CI sets it)"),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("sqlite") or not os.environ.get("DATABASE_URL"),
        reason="a worker process needs a shared database (PostgreSQL)",
    ),
]


@pytest.fixture
def broker():
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield celery_app
    celery_app.control.purge()
    celery_app.conf.task_always_eager = True


def _start_worker() -> subprocess.Popen:
    settings = connection.settings_dict
    database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.django.test"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def worker_run_until_moved(definition, timeout: float = 60) -> str:
    """Start a real worker, wait (at most `timeout` seconds) until the property's values have moved,
    stop it, and return what it logged; `definition` is refreshed."""
    worker = _start_worker()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            definition.refresh_from_db()
            if not definition.values_moving:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    return output


def test_a_worker_moves_values_and_the_message_carries_only_ids(tenant_a_admin, contacts_a, broker):
    # given: contacts with a plain phone number
    people = [
        record_services.record_create(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": f"P{i}", "phone": PHONE}
        )
        for i in range(3)
    ]
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")

    # when: the property is marked sensitive, with no worker running yet
    property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")

    # then: the queued message names the property by id, and holds no value

    messages = redis.Redis.from_url(BROKER).lrange("celery", 0, -1)
    assert len(messages) == 1
    envelope = json.loads(messages[0])
    body = base64.b64decode(envelope["body"]).decode()
    assert str(phone.pk) in body and PHONE not in body and PHONE not in messages[0].decode()

    # when: a worker runs
    output = worker_run_until_moved(phone)

    # then: the values are ciphertext only, and the worker's log shows no value
    assert not phone.values_moving, output[-3000:]
    assert SensitiveValue.objects.filter(property=phone).count() == 3
    assert not Record.objects.filter(properties__has_key="phone").exists()
    fresh = list(record_selectors.record_list(actor=tenant_a_admin, object_type=contacts_a))
    readings = sensitive_selectors.values_read(actor=tenant_a_admin, records=fresh)
    assert {readings[p.pk]["phone"].value for p in people} == {PHONE}
    assert "succeeded" in output and PHONE not in output
