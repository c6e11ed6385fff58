"""New records as plain multi-row inserts, numbered from the sequence (records_bulk_create's path)."""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from core.db import rows_insert, uuid_converter
from crm.models import Record, record_numbers_assign


def records_insert(records: list[Record]) -> None:
    """New records as plain inserts: the ORM's bulk_create spent most of its time preparing fields."""
    native = connection.features.has_native_uuid_field
    to_db = uuid_converter()
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = []
    record_numbers_assign(records)
    for record in records:
        record.created_at = record.updated_at = now
        properties = json.dumps(record.properties) if not native else Jsonb(record.properties)
        rows.append(
            (
                to_db(record.pk),
                record.number,
                to_db(record.tenant_id),
                to_db(record.object_type_id),
                to_db(record.owner_id),
                to_db(record.team_id),
                properties,
                record.display_name,
                stamp,
                stamp,
            )
        )
    columns = [
        "id",
        "number",
        "tenant_id",
        "object_type_id",
        "owner_id",
        "team_id",
        "properties",
        "display_name",
        "created_at",
        "updated_at",
    ]
    types = ["uuid", "bigint", "uuid", "uuid", "uuid", "uuid", "jsonb", "text", "timestamptz", "timestamptz"]
    rows_insert(Record._meta.db_table, columns, rows, types)
