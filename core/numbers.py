"""Numeric ids from one database sequence: records', custom object types' and users' (as owners)
numbers, which the REST API shows where HubSpot shows numeric ids."""

from __future__ import annotations

from django.db import connection, transaction

# PostgreSQL: a sequence; SQLite: a one-row counter table (crm migration 0004 makes either).
SEQUENCE = "crm_record_number_seq"


def numbers_next(count: int) -> list[int]:
    """`count` new numbers: increasing, never given twice.

    On PostgreSQL a rolled-back transaction loses its numbers, as sequences do. On SQLite the counter
    rolls back with it, so a number is reused only if nothing that held it was ever committed.
    """
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{SEQUENCE}') FROM generate_series(1, %s)", [count])  # noqa: S608
            return [row[0] for row in cursor.fetchall()]
        with transaction.atomic():  # SQLite serialises writers: the UPDATE is the sequence's lock
            cursor.execute(f"UPDATE {SEQUENCE} SET last = last + %s RETURNING last", [count])  # noqa: S608
            (last,) = cursor.fetchone()
    return list(range(last - count + 1, last + 1))
