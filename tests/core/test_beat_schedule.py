"""django-celery-beat's database scheduler takes every periodic task of CELERY_BEAT_SCHEDULE, so
`celery -A config beat` on a fresh database runs the audit sweeps and the lists' rebuilds."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app


@pytest.mark.django_db(transaction=True)  # the scheduler closes old connections, as beat does
def test_beat_writes_the_whole_schedule_to_the_database_and_runs_registered_tasks():
    app.loader.import_default_modules()  # what a worker does when it starts: every app's tasks.py
    DatabaseScheduler(app=app, lazy=True).setup_schedule()

    stored = dict(PeriodicTask.objects.values_list("name", "task"))
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert stored[name] == entry["task"]
        assert entry["task"] in app.tasks, f"{name} names a task no worker knows"
    assert PeriodicTask.objects.get(name="lists-refresh").crontab.minute == "*/30"
