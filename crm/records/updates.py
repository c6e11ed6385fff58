"""Changes to many existing records at once: a workflow's step over a batch of enrolments.

record_update's rules, paid once per batch instead of once per record: the rows are locked and
written in one UPDATE, their change-log entries (django-auditlog's, which a bulk write does not
trigger) go in one insert, one audit event names them all, and record_changed is sent once per set
of changed properties; the sensitive values go through the choke point in one bulk write.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, router, transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from psycopg.types.json import Jsonb

from accounts.models import User
from audit.models import AuditEvent
from core.db import rows_update_from, uuid_converter
from crm import selectors
from crm.display import display_name_for, plain_values
from crm.models import ObjectType, Record
from crm.records import events
from crm.records.services import _apply_plain, _check_visible, _record_event, _split_values
from crm.tenancy import check_same_tenant, tenant_of
from crm.validation import clean_values
from sensitive import services as sensitive_services

FIELDS = ["properties", "display_name", "updated_at"]


@sensitive_variables()  # values in hand: none of them in an error report's frame variables
@transaction.atomic
def records_update_bulk(
    *, actor: User, object_type: ObjectType, records: Sequence[Record], values: Sequence[Mapping[str, Any]]
) -> list[Record]:
    """Change each record's given values (None clears one), all or nothing: an invalid row refuses
    the batch, its errors keyed "record N" (the record's number)."""
    tenant_of(actor)
    check_same_tenant(actor, object_type, *records)
    _check_visible(actor, *records)
    definitions = selectors.property_definitions_by_name(object_type=object_type)
    required = {name for name, definition in definitions.items() if definition.required}
    cleaned_rows, errors = [], {}
    for record, row in zip(records, values, strict=True):
        try:
            cleaned_rows.append(
                clean_values(definitions, row, object_label=object_type.label_plural, require=required & set(row))
            )
        except ValidationError as exc:
            errors[f"record {record.number}"] = [m for messages in exc.message_dict.values() for m in messages]
    if errors:
        raise ValidationError(errors)
    locked = {r.pk: r for r in Record.objects.select_for_update().filter(pk__in=[r.pk for r in records]).order_by("pk")}
    if len(locked) != len(records):
        raise Record.DoesNotExist("No such record.")
    sensitive_names = {name for name, definition in definitions.items() if definition.is_sensitive}
    now = timezone.now()
    changed_rows, entries, sensitive_rows = [], [], []
    by_changes: dict[tuple, list] = defaultdict(list)
    for record, cleaned in zip(records, cleaned_rows, strict=True):
        plain, sensitive = _split_values(definitions, cleaned)
        current = locked[record.pk]
        before = copy.copy(current)
        current.properties = _apply_plain({k: v for k, v in before.properties.items() if k not in sensitive}, plain)
        current.display_name = display_name_for(object_type, plain_values(current.properties, sensitive_names))
        current.updated_at = now
        changed_rows.append(current)
        entries.append(_change_entry(before, current))
        if sensitive:
            sensitive_rows.append((current, sensitive))
        changed = [name for name in plain if before.properties.get(name) != current.properties.get(name)]
        by_changes[tuple(sorted(changed + list(sensitive)))].append(current.pk)
    _rows_write(changed_rows)
    LogEntry.objects.bulk_create([entry for entry in entries if entry is not None], batch_size=1000)
    sensitive_services.values_write_many(actor=actor, rows=sensitive_rows)
    names = {name for cleaned in cleaned_rows for name in cleaned}
    _record_event(actor, AuditEvent.Kind.RECORD_UPDATED, object_type, [r.pk for r in changed_rows], names)
    for changed, record_ids in by_changes.items():
        events.record_changed_after_commit(
            actor=actor, object_type=object_type, record_ids=record_ids, change=events.UPDATED, properties=changed
        )
    return changed_rows


def _rows_write(records: list[Record]) -> None:
    """The new properties, display names and times in one UPDATE: the ORM's bulk_update spent most
    of a batch's time building its CASE expressions."""
    native = connection.features.has_native_uuid_field
    to_db, adapt = uuid_converter(), connection.ops.adapt_datetimefield_value
    rows = [
        (
            to_db(record.pk),
            Jsonb(record.properties) if native else json.dumps(record.properties),
            record.display_name,
            adapt(record.updated_at),
        )
        for record in records
    ]
    rows_update_from(Record._meta.db_table, "id", FIELDS, rows, ["uuid", "jsonb", "text", "timestamptz"])


def _change_entry(before: Record, after: Record) -> LogEntry | None:
    """The change-log entry record.save() would have written; pre_save is sent by hand so that the
    acting context (actor, IP, surface) fills it in, as it does for a saved entry."""
    changes = model_instance_diff(before, after, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES)
    if not changes:
        return None
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(Record),
        object_pk=str(after.pk),
        object_repr=str(after)[:255],
        action=LogEntry.Action.UPDATE,
        changes=changes,
        cid=get_cid(),
        timestamp=after.updated_at,
    )
    pre_save.send(sender=LogEntry, instance=entry, raw=False, using=router.db_for_write(LogEntry), update_fields=None)
    return entry
