"""A scheduled workflow's own django-celery-beat entry: an IntervalSchedule ("every_minutes") or a
CrontabSchedule ("cron", five fields), whose task gets the workflow's id and nothing else."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

TASK = "workflows.automation.tasks.workflow_schedule_task"


def _name(workflow) -> str:
    return f"workflow-{workflow.pk}"


def schedule_check(config: dict) -> None:
    every, cron = config.get("every_minutes"), config.get("cron")
    if (every is None) == (cron is None):
        raise ValidationError("A schedule is every_minutes (a whole number) or cron (five fields), one of them.")
    if every is not None and (isinstance(every, bool) or not isinstance(every, int) or not 5 <= every <= 527040):
        raise ValidationError("every_minutes is a whole number from 5 to 527040 (a year).")
    if cron is not None:
        fields = str(cron).split()
        if len(fields) != 5 or not all(set(f) <= set("0123456789*/,-") for f in fields):
            raise ValidationError("cron has five fields (minute hour day month weekday), such as '0 9 * * 1'.")


def schedule_sync(workflow) -> None:
    """Creates, changes or removes the workflow's entry to match its trigger and enabled flag."""
    if workflow.trigger != "schedule" or not workflow.enabled:
        schedule_remove(workflow)
        return
    config = workflow.trigger_config
    fields = {"interval": None, "crontab": None}
    if config.get("every_minutes"):
        fields["interval"], _ = IntervalSchedule.objects.get_or_create(
            every=config["every_minutes"], period=IntervalSchedule.MINUTES
        )
    else:
        minute, hour, day, month, weekday = config["cron"].split()
        fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday, timezone="UTC"
        )
    PeriodicTask.objects.update_or_create(
        name=_name(workflow),
        defaults={"task": TASK, "kwargs": json.dumps({"workflow_id": str(workflow.pk)}), "enabled": True, **fields},
    )


def schedule_remove(workflow) -> None:
    PeriodicTask.objects.filter(name=_name(workflow)).delete()
