"""Moving a property's existing values into or out of ciphertext after a sensitivity change.

The move runs in a background task (sensitive/tasks.py), in batches that each commit, and is
resumable: a rerun picks up what is left. The task retries with backoff; when it gives up,
`property_values_move_failed` records it on the property and as a security event, and the
periodic sweep (`property_values_moves_stuck`, `property_values_move_resume`) starts it again.
"""

from __future__ import annotations

import datetime as dt
import logging

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import tables_vacuum
from crm.display import display_name_for, plain_values, sensitive_names
from crm.models import PropertyDefinition, Record
from crm.validation import clean_value
from sensitive import crypto, keys
from sensitive.history import change_log_scrub
from sensitive.models import SensitiveValue
from sensitive.value_rows import value_row_new

logger = logging.getLogger(__name__)
MOVE_BATCH_SIZE = 2_000
# A move without progress for this long is taken as lost (say, its message never reached a worker).
STALE_AFTER = dt.timedelta(minutes=30)


def _progress(definition: PropertyDefinition) -> None:
    PropertyDefinition.objects.filter(pk=definition.pk).update(values_move_progress_at=timezone.now())


def _finish(definition: PropertyDefinition) -> None:
    PropertyDefinition.objects.filter(pk=definition.pk).update(
        values_moving=False, values_move_progress_at=None, values_move_failed_at=None
    )


@sensitive_variables()
def property_values_encrypt(*, definition: PropertyDefinition, batch_size: int = MOVE_BATCH_SIZE) -> int:
    """Move a newly sensitive property's values from the records' JSON into ciphertext, in batches.

    Then the change history loses them, and PostgreSQL vacuums the tables whose dead row versions
    still hold them (README: "Raising a property to sensitive: backups and WAL").
    """
    moved = 0
    while True:
        with transaction.atomic():
            records = list(
                Record.objects.select_for_update(of=("self",))
                .filter(object_type_id=definition.object_type_id, properties__has_key=definition.name)
                .select_related("object_type")[:batch_size]
            )
            if not records:
                break
            tenant_keys = keys.tenant_keys_for_writing(definition.tenant_id)
            sensitive = sensitive_names(definition.object_type_id)
            already = set(
                SensitiveValue.objects.filter(property=definition, record__in=records).values_list(
                    "record_id", flat=True
                )
            )
            new_values = []
            for record in records:
                value = record.properties.pop(definition.name)
                if record.pk not in already:  # a value written since the change wins
                    try:
                        value = clean_value(definition, value)
                    except ValidationError:
                        value = str(value)  # kept as typed rather than lost
                    if value is not None:
                        new_values.append(value_row_new(tenant_keys, record, definition, value))
                record.display_name = display_name_for(record.object_type, plain_values(record.properties, sensitive))
            SensitiveValue.objects.bulk_create(new_values)
            # bulk_update sends no signals, so the change log never sees the old JSON with the value.
            Record.objects.bulk_update(records, ["properties", "display_name"])
            _progress(definition)
            moved += len(new_values)
    change_log_scrub(definition)
    _finish(definition)
    tables_vacuum([Record._meta.db_table, LogEntry._meta.db_table])
    return moved


@sensitive_variables()
def property_values_decrypt(*, definition: PropertyDefinition, batch_size: int = MOVE_BATCH_SIZE) -> int:
    """Move a no-longer-sensitive property's values back into the records' JSON, in batches."""
    moved = 0
    while True:
        with transaction.atomic():
            rows = list(
                SensitiveValue.objects.select_for_update(of=("self",))
                .filter(property=definition)
                .select_related("record__object_type")[:batch_size]
            )
            if not rows:
                break
            tenant_keys = keys.tenant_keys(definition.tenant_id)
            sensitive = sensitive_names(definition.object_type_id)
            records = []
            for row in rows:
                record = row.record
                ad = crypto.associated_data(record.tenant_id, record.object_type_id, record.pk, definition.id)
                try:
                    record.properties[definition.name] = crypto.decrypt(tenant_keys, row.ciphertext, ad)
                except Exception:
                    logger.error(
                        "Sensitive value %s of record %s was unreadable and is dropped.", definition.name, record.pk
                    )
                record.display_name = display_name_for(record.object_type, plain_values(record.properties, sensitive))
                records.append(record)
            Record.objects.bulk_update(records, ["properties", "display_name"])
            SensitiveValue.objects.filter(pk__in=[row.pk for row in rows]).delete()
            _progress(definition)
            moved += len(rows)
    _finish(definition)
    return moved


@transaction.atomic
def property_values_move_failed(*, definition: PropertyDefinition, error: str, attempts: int) -> None:
    """The move gave up after its retries: the property says so (its values stay where each one is,
    read through the choke point), and a security event records it. `error` is the exception's class
    name only: a message could quote a value."""
    updated = PropertyDefinition.objects.filter(pk=definition.pk, values_moving=True).update(
        values_move_failed_at=timezone.now()
    )
    if not updated:
        return
    logger.error("Moving the values of property %s failed after %s attempts (%s).", definition.pk, attempts, error)
    audit_services.event_record(
        kind=AuditEvent.Kind.VALUES_MOVE_FAILED,
        tenant=definition.tenant,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"to": definition.sensitivity, "error": error, "attempts": attempts},
    )


def property_values_moves_stuck() -> list[PropertyDefinition]:
    """Moves that gave up, or that made no progress for STALE_AFTER: for the sweep to resume."""
    stale = timezone.now() - STALE_AFTER
    return list(
        PropertyDefinition.objects.filter(values_moving=True)
        .exclude(values_move_failed_at__isnull=True, values_move_progress_at__gte=stale)
        .select_related("object_type", "tenant")
    )


@transaction.atomic
def property_values_move_resume(*, definition: PropertyDefinition) -> bool:
    """Mark a stuck move as started again, with a security event; False if it is not stuck any more.
    The caller then queues the move (a rerun carries on where the last one stopped)."""
    stale = timezone.now() - STALE_AFTER
    stuck = PropertyDefinition.objects.select_for_update().filter(pk=definition.pk, values_moving=True)
    current = stuck.exclude(values_move_failed_at__isnull=True, values_move_progress_at__gte=stale).first()
    if current is None:
        return False
    audit_services.event_record(
        kind=AuditEvent.Kind.VALUES_MOVE_RESUMED,
        tenant=definition.tenant,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"to": current.sensitivity, "after_failure": current.values_move_failed_at is not None},
    )
    current.values_move_failed_at = None
    current.values_move_progress_at = timezone.now()
    current.save(update_fields=["values_move_failed_at", "values_move_progress_at"])
    return True
