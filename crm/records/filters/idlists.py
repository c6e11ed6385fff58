"""Record ids found in Python, back in SQL as one parameter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection

from django.db.models import BooleanField, F, Func

from core.db import UUID_LIST, uuid_list


class PkIn(Func):
    """`field IN (ids)` (the pk by default) with the ids as one parameter, however many there are
    (100,000 parameters would pass PostgreSQL's limit of 65,535, and SQLite's of 32,766)."""

    output_field = BooleanField()

    def __init__(self, ids: Collection[uuid.UUID], field: str = "pk") -> None:
        super().__init__(F(field))
        self.ids = list(ids)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY({UUID_LIST})", [*params, uuid_list(self.ids)]
        ids = json.dumps([pk.hex for pk in self.ids])
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, ids]  # noqa: S608 -- a column name
