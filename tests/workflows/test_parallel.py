"""An active list built by two real Celery workers at once (CI: Redis, PostgreSQL): its chunks are
shared between them, and the members are exactly those a single evaluation finds."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from crm.records import api as records_api
from crm.records.filters import query_parse
from tests.sensitive.test_worker import broker, pytestmark  # noqa: F401
from tests.workflows.conftest import CANARY
from workflows import building, services
from workflows.models import List, ListBuildChunk, ListMembership


def _start_named_worker(name: str) -> subprocess.Popen:
    """A solo worker (one task at a time) with a name of its own, logging each task it runs."""
    settings = connection.settings_dict
    database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.django.test"}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-n", f"{name}@%h"]
    command += ["--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return subprocess.Popen(  # noqa: S603 -- our own command
        command, cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _ready(app, count: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5)) >= count:
            return True
    return False


def test_two_workers_share_a_build_and_find_exactly_the_right_members(
    tenant_a_admin, contacts_a, salary, nickname, broker, monkeypatch
):
    # given: 30 contacts, a third of them nicknamed CANARY, salaries from 1,000 to 30,000; the
    # filter is a range on the salary (decrypted) AND an equality on the nickname (blind index)
    rows = [
        {"firstname": f"P{i}", "annual_salary": 1_000 * i, "nickname": CANARY if i % 3 == 0 else f"other{i}"}
        for i in range(1, 31)
    ]
    created = records_api.records_write_bulk(actor=tenant_a_admin, object_type=contacts_a, rows=rows)
    expected = {record.pk for record, row in zip(created, rows, strict=True) if row["nickname"] == CANARY}
    expected &= {record.pk for record, row in zip(created, rows, strict=True) if 5_000 <= row["annual_salary"]}
    assert len(expected) == 9  # 6, 9, ..., 30 thousand
    monkeypatch.setattr(building, "CHUNK", 2)
    query = query_parse(
        [
            {
                "filters": [
                    {"propertyName": "annual_salary", "operator": "GTE", "value": "5000"},
                    {"propertyName": "nickname", "operator": "EQ", "value": CANARY},
                ]
            }
        ]
    )

    # when: two workers are up, and the list is created (its 15 chunks queued after the commit)
    workers = [_start_named_worker("first"), _start_named_worker("second")]
    outputs = []
    try:
        assert _ready(broker, 2), "the two workers did not answer"
        the_list = services.list_create(
            actor=tenant_a_admin, object_type=contacts_a, name="Shared", kind="active", filters=query
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            the_list.refresh_from_db()
            if the_list.status != List.Status.BUILDING:
                break
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.terminate()
        outputs = [worker.communicate(timeout=30)[0].decode() for worker in workers]

    # then: done, each chunk counted once, and each worker ran at least one of them
    assert the_list.status == List.Status.DONE, "\n".join(output[-2000:] for output in outputs)
    assert the_list.chunks_total == the_list.chunks_done == 15
    chunks = ListBuildChunk.objects.filter(list=the_list, build=the_list.build)
    assert chunks.count() == 15 and not chunks.filter(done_at__isnull=True).exists()
    assert sum(chunks.values_list("matched", flat=True)) == 9
    ran = [
        [line for line in output.splitlines() if "list_chunk_build_task" in line and "succeeded" in line]
        for output in outputs
    ]
    assert all(ran), [output[-2000:] for output in outputs]
    assert sum(len(lines) for lines in ran) >= 15

    # then: exactly the right members, and no value in either worker's log
    members = set(ListMembership.objects.filter(list=the_list).values_list("record_id", flat=True))
    assert members == expected and the_list.member_count == 9
    for output in outputs:
        assert CANARY not in output
