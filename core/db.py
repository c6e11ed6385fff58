"""Bulk writes for the few hot paths where the ORM's per-object work dominates.

On PostgreSQL these use COPY in binary format: Django binds parameters on the client, which
escapes every bytea value in Python; COPY BINARY sends the bytes as they are.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

ROWS_PER_STATEMENT = 1_000


def uuid_to_db(value):
    """A UUID as plain SQL must pass it: as is where the database has a uuid type, as hex text on SQLite."""
    return uuid_converter()(value)


def uuid_converter() -> Callable[[Any], Any]:
    """uuid_to_db for many values: what the connection needs, decided once (finding the connection
    cost more than the conversion, in bulk inserts)."""
    return _as_is if connection.features.has_native_uuid_field else _as_hex


def _as_is(value):
    return value


def _as_hex(value):
    return None if value is None else value.hex


UUID_LIST = "string_to_array(%s, ',')::uuid[]"  # the SQL for a uuid_list parameter, on PostgreSQL


def uuid_list(values: Sequence) -> str:
    """UUIDs as one text parameter for UUID_LIST. psycopg adapts a list of UUIDs element by
    element in Python, which cost a bulk read of 1,000 records three times this."""
    return ",".join([value.hex for value in values])


def rows_insert(
    table: str, columns: Sequence[str], rows: Sequence[tuple], pg_types: Sequence[str], skip_conflicts: bool = False
) -> None:
    """Insert plain rows. `pg_types` names each column's PostgreSQL type, for the binary COPY.

    `skip_conflicts` leaves out rows that break a unique constraint (COPY cannot, so on PostgreSQL
    those go as multi-row INSERTs instead).
    """
    if not rows:
        return
    names = ", ".join(columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {placeholders}{conflict}", rows)  # noqa: S608
        elif not skip_conflicts:
            _copy(cursor, table, names, rows, pg_types)
        else:
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                chunk = rows[start : start + ROWS_PER_STATEMENT]
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(chunk))}{conflict}",  # noqa: S608
                    [value for row in chunk for value in row],
                )


def rows_update_from(
    table: str, key: str, columns: Sequence[str], rows: Sequence[tuple], pg_types: Sequence[str], guard: str = ""
) -> None:
    """UPDATE `table` SET columns FROM rows (key first, then columns, then any guard columns).

    `guard` is an extra SQL condition on `t` (the table) and `v` (the rows), e.g. "t.x = v.old_x".
    """
    if not rows:
        return
    width = len(rows[0])
    row_columns = [key, *columns, *[f"extra_{i}" for i in range(width - 1 - len(columns))]]
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    condition = f"t.{key} = v.{key}" + (f" AND {guard}" if guard else "")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            definition = ", ".join(f"{name} {kind}" for name, kind in zip(row_columns, pg_types, strict=True))
            # Named by its columns too: two updates of one table in one transaction may stage different ones.
            staging = f"staging_{table}_{zlib.crc32(definition.encode()):08x}"
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({definition}) ON COMMIT DROP")
            cursor.execute(f"TRUNCATE {staging}")
            _copy(cursor, staging, ", ".join(row_columns), rows, pg_types)
            # The key range lets the join start in the table's key index where the rows are; without it
            # a merge join read the index from its first key, and each batch cost more than the last.
            keys = [row[0] for row in rows]
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM {staging} AS v "  # noqa: S608
                f"WHERE {condition} AND t.{key} BETWEEN %s AND %s",
                [min(keys), max(keys)],
            )
            return
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            sets = ", ".join(f"{column} = v.{column}" for column in columns)
            cursor.execute(
                f"WITH v({', '.join(row_columns)}) AS (VALUES {values}) "  # noqa: S608 -- placeholders only
                f"UPDATE {table} AS t SET {sets} FROM v WHERE {condition}",
                [value for row in chunk for value in row],
            )


def _copy(cursor, table: str, names: str, rows: Sequence[tuple], pg_types: Sequence[str]) -> None:
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(list(pg_types))
        for row in rows:
            copy.write_row(row)


class _UnpreparedBinaryCursor(psycopg.Cursor):
    """Binary rows, and statements never prepared: behind a pooler in transaction mode a prepared
    statement may be missing on the next server connection, and a generic plan may not suit the
    batch at hand."""

    def execute(self, query, params=None, *, prepare=False, binary=True):
        return super().execute(query, params, prepare=prepare, binary=binary)


@contextmanager
def binary_cursor() -> Iterator:
    """PostgreSQL only: a cursor that binds parameters on the server and reads rows in binary.

    Django's cursors bind on the client and read text, which in a bulk read of bytea cost a
    third of the fetch. This one still goes through Django's wrapper (query log, execute
    wrappers, error translation) and the connection's current transaction.
    """
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _UnpreparedBinaryCursor(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        yield cursor


def tables_vacuum(tables: Sequence[str]) -> bool:
    """VACUUM these tables on PostgreSQL, so that the space of dead row versions is reclaimed for reuse.

    VACUUM cannot run inside a transaction block: outside one only (a background task, a command);
    returns whether it ran. SQLite: nothing (its VACUUM rewrites the whole database file).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")
    return True
