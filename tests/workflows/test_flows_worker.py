"""A workflow run by real Celery workers on Redis (CI: Redis, PostgreSQL): every step a message,
a step delivered twice done once, and no sensitive value in any Redis key, message or log."""

import os
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.db import connection

from crm.models import Record
from crm.records.api import record_view
from tests.factories import make_property, make_record
from tests.sensitive.test_worker import BROKER, broker, pytestmark  # noqa: F401
from tests.workflows.conftest import CANARY, CANARY_SALARY
from tests.workflows.test_worker import _broker_text, _decoded
from workflows.automation.services import workflow_create
from workflows.automation.tasks import workflow_steps_task
from workflows.models import Enrolment, WorkflowTask


def start_worker(settings_module: str = "tests.workflows.worker_settings", concurrency: int = 1) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": settings_module,
    }
    pool = ["-P", "solo"] if concurrency == 1 else ["-P", "prefork", "-c", str(concurrency)]
    return subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            *pool,
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


def _assert_clean(text: str) -> None:
    for canary in (CANARY, str(CANARY_SALARY), f"{CANARY_SALARY:,}"):
        assert canary not in text


def test_a_workflow_runs_on_real_workers_and_redis_never_holds_a_sensitive_value(
    tenant_a_admin, contacts_a, salary, nickname, broker
):
    make_property(tenant_a_admin, contacts_a, "salary_copy", data_type="number", sensitivity="sensitive")
    flow = workflow_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        data={
            "name": "Canary flow",
            "trigger": "record_created",
            "conditions": [{"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]}],
            "actions": [
                {"type": "set_property", "property": "salary_copy", "value": "{{annual_salary}}"},
                {
                    "type": "branch",
                    "else_step": 4,
                    "filterGroups": [
                        {"filters": [{"propertyName": "annual_salary", "operator": "EQ", "value": CANARY_SALARY}]}
                    ],
                },
                {"type": "set_property", "property": "nickname", "value": CANARY + "2"},
                {"type": "create_task", "title": "Call {{firstname}}"},
                {"type": "notify", "to": "record_owner", "subject": "Flow for {{firstname}}"},
            ],
        },
    )
    # given: records created while no worker runs: their enrolments wait on the broker
    records = [
        make_record(tenant_a_admin, contacts_a, firstname=f"C{i}", nickname=CANARY, annual_salary=CANARY_SALARY)
        for i in range(3)
    ] + [make_record(tenant_a_admin, contacts_a, firstname="Other", nickname="other", annual_salary=1)]
    queued = _decoded(_broker_text())
    assert queued.count("workflows.automation.tasks.workflow_enrol_task") == 4
    _assert_clean(queued)

    # when: two real workers run them; the broker is scanned all along
    workers = [start_worker(), start_worker()]
    scans = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            scans.append(_decoded(_broker_text()))
            if Enrolment.objects.filter(workflow=flow, status="done").count() == 3:
                break
            time.sleep(0.05)
        # a step delivered twice through the broker: its action is not done again
        enrolment = Enrolment.objects.filter(workflow=flow).first()
        workflow_steps_task.delay([enrolment.pk], 3)
        workflow_steps_task.delay([enrolment.pk], 3)
        time.sleep(3)
        scans.append(_decoded(_broker_text()))
    finally:
        for worker in workers:
            worker.terminate()
        logs = [worker.communicate(timeout=30)[0].decode() for worker in workers]

    # then: three enrolments done, each step once, values copied, and no value anywhere in Redis or the logs
    done = Enrolment.objects.filter(workflow=flow, status="done")
    assert done.count() == 3, logs[0][-3000:]
    assert not Enrolment.objects.filter(record=records[3]).exists()
    assert WorkflowTask.objects.filter(workflow=flow).count() == 3
    record = Record.objects.get(pk=records[0].pk)
    view = record_view(actor=tenant_a_admin, record=record, properties=["salary_copy", "nickname"])
    assert view.readings["nickname"].value == CANARY + "2"
    assert view.readings["salary_copy"].value in (CANARY_SALARY, f"{CANARY_SALARY:,}", str(CANARY_SALARY))
    assert sum("workflow_steps_task" in scan for scan in scans) > 0  # the scans saw the steps' messages
    for text in [*scans, *logs]:
        _assert_clean(text)
    redis.Redis.from_url(BROKER).delete("unacked", "unacked_index")
