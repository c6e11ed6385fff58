"""The result backend (Redis, as CI and production set CELERY_RESULT_BACKEND) holds what tasks
return, and tasks return ids and counts only: a real worker runs a list build whose filter holds
sensitive values, and every stored result is read back."""

import json
import time

import redis

from crm.records.filters import query_parse
from tests.sensitive.test_worker import BROKER, _start_worker, broker, pytestmark  # noqa: F401
from tests.workflows.conftest import CANARY, CANARY_SALARY
from workflows import building, services
from workflows.models import List


def _stored_results(client: redis.Redis) -> list:
    return [json.loads(client.get(key)) for key in client.scan_iter("celery-task-meta-*")]


def test_task_results_hold_only_counts_and_ids(tenant_a_admin, contacts_a, people, broker, monkeypatch):
    # given: results stored in the broker's Redis, for the worker and for this process
    monkeypatch.setenv("CELERY_RESULT_BACKEND", BROKER)
    monkeypatch.setattr(broker.conf, "result_backend", BROKER)
    client = redis.Redis.from_url(BROKER)
    for key in client.scan_iter("celery-task-meta-*"):
        client.delete(key)
    monkeypatch.setattr(building, "CHUNK", 2)
    query = query_parse(
        [
            {"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]},
            {"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": str(CANARY_SALARY)}]},
        ]
    )
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="R", kind="active", filters=query
    )

    # when: a real worker builds the list
    worker = _start_worker()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            the_list.refresh_from_db()
            if the_list.status != List.Status.BUILDING and len(_stored_results(client)) >= the_list.chunks_total:
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)

    # then: one result per chunk, each a count, and no value anywhere in them
    results = _stored_results(client)
    assert the_list.status == List.Status.DONE and len(results) == the_list.chunks_total == 3
    assert all(r["status"] == "SUCCESS" and isinstance(r["result"], int) for r in results)
    assert sorted(r["result"] for r in results) == [0, 1, 1]
    text = json.dumps(results)
    assert CANARY not in text and str(CANARY_SALARY) not in text
