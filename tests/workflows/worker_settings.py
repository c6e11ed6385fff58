"""Settings of the workers that workflow tests start: the test settings, with tasks queued on the
broker (the test settings run them in-process), so each step of a workflow is its own message."""

from config.django.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
