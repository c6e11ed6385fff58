"""Celery: Redis in production and CI, in-process when no broker is set (the embedded default)."""

import datetime as dt

from celery.schedules import crontab

from config.env import env_str

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# Optional. Tasks return ids and counts only (tests/workflows/test_result_backend.py reads them back).
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
# Without a broker, tasks run in the calling process: the embedded default needs no worker.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# JSON only: tasks carry ids, never pickled objects or plaintext (ARCHITECTURE.md rule 5).
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every periodic task, in one place (run `celery -A config beat` beside the workers).
CELERY_BEAT_SCHEDULE: dict = {
    # https://crontab.guru/#30_3_*_*_* : every night at 03:30
    "audit-archive": {"task": "audit.tasks.audit_archive_task", "schedule": crontab(minute="30", hour="3")},
    # https://crontab.guru/#0_2_*_*_* : every night at 02:00, before the archiver moves old events to files
    "audit-verify": {"task": "audit.tasks.audit_verify_task", "schedule": crontab(minute="0", hour="2")},
    # Every 15 seconds (finer than cron can say; https://crontab.guru/#*_*_*_*_* is the finest, a
    # minute): audit events that were not sealed right after their commit join their chain
    "audit-seal": {"task": "audit.tasks.audit_seal_task", "schedule": dt.timedelta(seconds=15)},
    # https://crontab.guru/#*/10_*_*_*_* : every 10 minutes, value moves (after a sensitivity change)
    # that gave up or were lost start again
    "values-moves-resume": {
        "task": "sensitive.tasks.property_values_moves_resume_task",
        "schedule": crontab(minute="*/10"),
    },
    # https://crontab.guru/#*/30_*_*_*_* : every 30 minutes, active lists are built again (catching
    # bulk imports, archived records and association changes) and a build whose worker was lost resumes
    "lists-refresh": {"task": "workflows.tasks.lists_refresh_task", "schedule": crontab(minute="*/30")},
    # Every 30 seconds: webhook deliveries whose next attempt is due (a retry, or a lost message) are queued
    "webhooks-sweep": {"task": "webhooks.tasks.webhooks_sweep_task", "schedule": dt.timedelta(seconds=30)},
    # Every minute: workflow enrolments whose wait is over go on, and a step whose message was lost runs again
    "workflows-wake": {"task": "workflows.automation.tasks.workflows_wake_task", "schedule": dt.timedelta(minutes=1)},
    # https://crontab.guru/#5_0_*_*_* : every day at 00:05, records whose date property is reached are enrolled
    "workflows-dates": {
        "task": "workflows.automation.tasks.workflows_dates_task",
        "schedule": crontab(minute="5", hour="0"),
    },
}
# django-celery-beat keeps the schedule in the database: the entries above are written to it when
# beat starts, operators can change them there (django_celery_beat tables), and each scheduled
# workflow adds its own.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
