"""Bulk inserts for the few hot paths where the ORM's per-object work dominates."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

ROWS_PER_STATEMENT = 1_000


def rows_insert(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert plain rows: multi-row VALUES on PostgreSQL (one round trip per 1,000 rows), executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {placeholders}", rows)  # noqa: S608
            return
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608 -- names are ours, values bound
                [value for row in chunk for value in row],
            )
