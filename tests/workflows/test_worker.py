"""An active list built by a real Celery worker on Redis (CI: Redis, PostgreSQL), and a scan of the
broker for the filter's sensitive values."""

import base64
import json
import signal
import time

import redis

from crm.records.filters import query_parse
from tests.sensitive.test_worker import BROKER, _start_worker, broker, pytestmark  # noqa: F401
from tests.workflows.conftest import CANARY, CANARY_SALARY
from workflows import building, services
from workflows.models import List, ListMembership
from workflows.tasks import list_build_queue


def _broker_text() -> str:
    """Every key of the broker's database and what it holds, as one text."""
    client = redis.Redis.from_url(BROKER)
    parts = []
    for key in client.scan_iter():
        kind = client.type(key).decode()
        parts.append(key.decode(errors="replace"))
        if kind == "string":
            parts.append(client.get(key).decode(errors="replace"))
        elif kind == "list":
            parts.extend(item.decode(errors="replace") for item in client.lrange(key, 0, -1))
        elif kind == "hash":
            parts.extend(f"{k!r}={v!r}" for k, v in client.hgetall(key).items())
        elif kind in ("set", "zset"):
            members = client.smembers(key) if kind == "set" else client.zrange(key, 0, -1)
            parts.extend(item.decode(errors="replace") for item in members)
    return "\n".join(parts)


def _decoded(text: str) -> str:
    """Message bodies are base64 inside the envelope: decode what decodes."""
    out = [text]
    for line in text.splitlines():
        try:
            out.append(base64.b64decode(json.loads(line)["body"]).decode(errors="replace"))
        except (ValueError, KeyError, TypeError):
            continue
    return "\n".join(out)


def test_a_worker_builds_an_active_list_and_the_broker_never_holds_its_values(
    tenant_a_admin, contacts_a, people, broker, monkeypatch
):
    # given: the build split in chunks of two records, queued with no worker running yet
    monkeypatch.setattr(building, "CHUNK", 2)
    query = query_parse(
        [
            {"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]},
            {"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": str(CANARY_SALARY)}]},
            {"filters": [{"propertyName": "annual_salary", "operator": "BETWEEN", "value": 45000, "highValue": 55000}]},
        ]
    )
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Canaries", kind="active", filters=query
    )

    # then: three chunk messages that carry ids and numbers only
    queued = _decoded(_broker_text())
    assert queued.count("workflows.tasks.list_chunk_build_task") >= 3
    assert str(the_list.pk) in queued
    assert CANARY not in queued and str(CANARY_SALARY) not in queued and "45000" not in queued

    # when: a real worker runs the chunks
    worker = _start_worker()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            the_list.refresh_from_db()
            if the_list.status != List.Status.BUILDING:
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()

    # then: the right members, counted, and nothing of the values in the log or the broker
    assert the_list.status == List.Status.DONE, output[-3000:]
    members = set(ListMembership.objects.filter(list=the_list).values_list("record_id", flat=True))
    assert members == {people[1].pk, people[3].pk, people[4].pk}
    assert the_list.member_count == 3 and the_list.chunks_done == the_list.chunks_total == 3
    after = _decoded(_broker_text())
    for text in (output, after):
        assert CANARY not in text and str(CANARY_SALARY) not in text and "45000" not in text


def _wait(the_list, done, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        the_list.refresh_from_db()
        if done(the_list):
            return
        time.sleep(0.02)


def test_a_build_whose_worker_is_killed_resumes_and_finishes_with_exactly_the_right_members(
    tenant_a_admin, contacts_a, people, broker, monkeypatch
):
    # given: a build of five one-record chunks, queued
    monkeypatch.setattr(building, "CHUNK", 1)
    query = query_parse([{"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]}])
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Killed", kind="active", filters=query
    )

    # when: a worker is SIGKILLed once it has done a chunk (its chunk in hand is lost: acks_late
    # leaves it unacknowledged), and the schedule's sweep finds the build stuck
    worker = _start_worker()
    try:
        _wait(the_list, lambda li: li.chunks_done >= 1 or li.status != List.Status.BUILDING)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    the_list.refresh_from_db()
    killed_at = the_list.chunks_done
    _, stuck = building.lists_due(stuck_after_seconds=0)
    for list_id in stuck:
        list_build_queue(list_id=list_id, resume=True)
    worker = _start_worker()
    try:
        _wait(the_list, lambda li: li.status != List.Status.BUILDING)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()

    # then: the build finished, each chunk counted once, with exactly the right members
    assert the_list.status == List.Status.DONE, output[-3000:]
    assert killed_at <= the_list.chunks_done == the_list.chunks_total == 5
    members = set(ListMembership.objects.filter(list=the_list).values_list("record_id", flat=True))
    assert members == {people[1].pk, people[3].pk} and the_list.member_count == 2
    # the killed worker's unacknowledged message would come back in an hour: not into another test
    redis.Redis.from_url(BROKER).delete("unacked", "unacked_index")
