"""JSON bodies as HubSpot takes them, checked before any view sees them (DRF's parser for the API).

Its own module: DRF loads its parser classes while rest_framework.views is still importing.
"""

from __future__ import annotations

import re

from rest_framework import exceptions, parsers
from rest_framework.utils import json

from crm.api import errors

# core.middleware's C0 controls, and lone surrogates: neither has a place in CRM text; PostgreSQL
# refuses NUL in text and UTF-8 has no encoding for a surrogate, so either would end in a 500.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _unstorable_at(data) -> str | None:
    """Where in parsed JSON a key or string holds an unstorable character ("query",
    "inputs[0].properties.firstname"...), or None; no recursion, so any depth. A bad key is
    reported by where it sits, never by itself."""
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, value in item.items():
                if UNSTORABLE.search(key):
                    return where or "body"
                stack.append((f"{where}.{key}" if where else key, value))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", value) for index, value in enumerate(item))
    return None


class JsonBodyParser(parsers.JSONParser):
    """JSON bodies as HubSpot takes them: an object (a view whose body is a list says
    `json_body = list`), no NaN or Infinity, no control character or lone surrogate in any string."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = json.loads(stream.read().decode((parser_context or {}).get("encoding") or "utf-8"))
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
            raise exceptions.ParseError() from None
        expected = getattr((parser_context or {}).get("view"), "json_body", dict)
        if not isinstance(data, expected):
            kind = "an array" if expected is list else "an object"
            raise errors.ApiError(
                f"Invalid input JSON: the request body must be {kind}.",
                errors=[{"message": f"The body must be {kind}.", "in": "body", "code": "INVALID_JSON"}],
            )
        where = _unstorable_at(data)
        if where is not None:
            raise errors.ApiError(
                "Invalid input JSON: a text holds a control character or a lone surrogate.",
                errors=[{"message": "A character is not allowed.", "in": where[:200], "code": "INVALID_INPUT"}],
            )
        return data
