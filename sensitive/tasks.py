"""Background jobs of the sensitive core. They carry ids only, never values (ARCHITECTURE.md rule 5).

Celery's autodiscovery imports this module after Django is set up, so models import at the top.
"""

from functools import partial

from celery import shared_task
from django.db import transaction

from audit.context import acting_as
from crm.models import PropertyDefinition
from sensitive.moves import (
    property_values_decrypt,
    property_values_encrypt,
    property_values_move_failed,
    property_values_move_resume,
    property_values_moves_stuck,
)

# A move retries on any error, after 1, 2, 4, ... seconds (with full jitter), at most 10 minutes
# apart; after the last attempt `_values_move_failure` records it and the sweep takes over.
# https://docs.celeryq.dev/en/stable/userguide/tasks.html#automatic-retry-for-known-exceptions
MOVE_RETRIES = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


def _values_move_failure(self, exc, task_id, args, kwargs, einfo) -> None:
    definition = PropertyDefinition.objects.filter(pk=args[0]).select_related("object_type", "tenant").first()
    if definition is not None:
        property_values_move_failed(definition=definition, error=type(exc).__name__, attempts=self.request.retries + 1)


@shared_task(bind=True, acks_late=True, on_failure=_values_move_failure, **MOVE_RETRIES)
def property_values_encrypt_task(self, property_id: str) -> int:
    definition = PropertyDefinition.objects.filter(pk=property_id).select_related("object_type").first()
    if definition is None:
        return 0
    return property_values_encrypt(definition=definition)


@shared_task(bind=True, acks_late=True, on_failure=_values_move_failure, **MOVE_RETRIES)
def property_values_decrypt_task(self, property_id: str) -> int:
    definition = PropertyDefinition.objects.filter(pk=property_id).select_related("object_type").first()
    if definition is None:
        return 0
    return property_values_decrypt(definition=definition)


@shared_task(acks_late=True)
def property_values_moves_resume_task() -> int:
    """The periodic sweep: moves that gave up or were lost start again (CELERY_BEAT_SCHEDULE)."""

    resumed = 0
    with acting_as(surface_name="system"):
        for definition in property_values_moves_stuck():
            if property_values_move_resume(definition=definition):
                task = property_values_encrypt_task if definition.is_sensitive else property_values_decrypt_task
                transaction.on_commit(partial(task.delay, str(definition.pk)))
                resumed += 1
    return resumed
