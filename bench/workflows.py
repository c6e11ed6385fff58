"""Workflow throughput: actions per second for 10,000 enrolled records, run by real Celery workers.

    python -m bench.workflows [--records 10000] [--workers 2] [--concurrency 1] [--sensitive] [--keep-db]

A fresh database ("bench_workflows", beside DATABASE_URL's) gets `--records` contacts and a workflow
of two set-property steps (plain values; with `--sensitive` the second copies the sensitive salary
into another sensitive property: a decrypt and an encrypt). `--workers` Celery workers (`-P solo`,
or prefork with `--concurrency`) are started on CELERY_BROKER_URL (Redis); then every record is
enrolled at once (enrolment tasks of 500 records, then one task per step of each batch of 500) and
the clock runs until
every enrolment is done. Target: 500 actions per second with two workers.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import PASSWORD, prepare, run_and_print

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(concurrency: int, name: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.django.base"}
    pool = ["-P", "solo"] if concurrency == 1 else ["-P", "prefork", "-c", str(concurrency)]
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        *pool,
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603 (our own command)
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # drain its log
    return process


def _seed(records: int, sensitive: bool):
    from accounts import services as account_services
    from crm.records import api as records_api
    from crm.selectors import object_type_get
    from crm.services import property_definition_create
    from workflows.automation.services import workflow_create

    _, admin = account_services.tenant_create(name="Bench flows", admin_email="ada@bench.test", admin_password=PASSWORD)
    contacts = object_type_get(actor=admin, name="contacts")
    for name in ("annual_salary", "salary_copy"):
        property_definition_create(
            actor=admin, object_type=contacts, name=name, label=name, data_type="number", sensitivity="sensitive"
        )
    for start in range(0, records, 1000):
        rows = [{"firstname": f"B{i}", "annual_salary": 1000 + i} for i in range(start, min(records, start + 1000))]
        records_api.records_write_bulk(actor=admin, object_type=contacts, rows=rows)
    second = (
        {"type": "set_property", "property": "salary_copy", "value": "{{annual_salary}}"}
        if sensitive
        else {"type": "set_property", "property": "lastname", "value": "Bench"}
    )
    return admin, workflow_create(
        actor=admin,
        object_type=contacts,
        data={
            "name": "Bench",
            "trigger": "form_submitted",
            "trigger_config": {"form": "bench"},
            "actions": [{"type": "set_property", "property": "lifecyclestage", "value": "lead"}, second],
        },
    )


def _ready(app, workers: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1) or []) >= workers:
            return
    sys.exit("The workers did not start within a minute.")


def run(records: int = 10_000, workers: int = 2, concurrency: int = 1, sensitive: bool = False) -> dict:
    from django.db import connections

    from config.celery import app
    from crm.models import Record
    from workflows.automation.tasks import enrol_queue
    from workflows.models import Enrolment, StepExecution

    _, workflow = _seed(records, sensitive)
    ids = list(Record.objects.filter(tenant_id=workflow.tenant_id).values_list("pk", flat=True))
    connections.close_all()
    app.control.purge()
    processes = [_worker(concurrency, f"bench{i}") for i in range(workers)]
    try:
        _ready(app, workers)
        started = time.perf_counter()
        enrol_queue(workflow_id=workflow.pk, record_ids=ids, event="bench")
        enrolled_at = None
        while True:
            done = Enrolment.objects.filter(workflow=workflow, status__in=("done", "failed")).count()
            if enrolled_at is None and Enrolment.objects.filter(workflow=workflow).count() >= records:
                enrolled_at = time.perf_counter() - started
            if done >= records:
                break
            if time.perf_counter() - started > 3600:
                sys.exit("Not done within an hour.")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        app.control.purge()
    actions = StepExecution.objects.filter(enrolment__workflow=workflow, status="done").count()
    failed = Enrolment.objects.filter(workflow=workflow, status="failed").count()
    return {
        "actions_per_second": round(actions / seconds, 1),
        "target_actions_per_second": 500,
        "records": records,
        "workers": workers,
        "concurrency": concurrency,
        "sensitive_copy": sensitive,
        "actions": actions,
        "failed_enrolments": failed,
        "seconds": round(seconds, 2),
        "seconds_to_enrol_all": round(enrolled_at or seconds, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workflows", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1, help="processes per worker (1: -P solo)")
    parser.add_argument("--sensitive", action="store_true", help="the second step copies a sensitive value")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        sys.exit("bench.workflows needs CELERY_BROKER_URL=redis://... and DATABASE_URL (PostgreSQL).")
    run_and_print(lambda: run(args.records, args.workers, args.concurrency, args.sensitive), keep_db=args.keep_db)


if __name__ == "__main__":
    prepare("workflows")
    main()
