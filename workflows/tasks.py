"""Celery tasks of lists: ids and numbers only, never a value (ARCHITECTURE.md rule 5)."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction

from workflows.building import list_build_resume, list_build_start, list_chunk_build, list_records_check, lists_due

RETRIES = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


def list_build_queue(*, list_id, resume: bool = False) -> int:
    """Starts a build (or resumes the running one) and queues its chunks once the build's rows are
    committed; returns how many."""
    chunks = list_build_resume(list_id=list_id) if resume else list_build_start(list_id=list_id)
    for build, low, high in chunks:
        transaction.on_commit(partial(list_chunk_build_task.delay, str(list_id), build, low, high))
    return len(chunks)


@shared_task(acks_late=True, **RETRIES)
def list_chunk_build_task(list_id: str, build: int, low: int, high: int) -> int:
    return list_chunk_build(list_id=list_id, build=build, low=low, high=high)


@shared_task(acks_late=True, **RETRIES)
def list_records_check_task(record_ids: list) -> int:
    return list_records_check(record_ids=record_ids)


@shared_task(acks_late=True)
def lists_refresh_task() -> int:
    """The schedule (CELERY_BEAT_SCHEDULE): every active list is built again, and a build that
    lost a worker resumes. Returns how many chunks were queued."""
    rebuild, resume = lists_due()
    queued = sum(list_build_queue(list_id=list_id) for list_id in rebuild)
    return queued + sum(list_build_queue(list_id=list_id, resume=True) for list_id in resume)
