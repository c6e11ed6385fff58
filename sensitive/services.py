"""The one way in for sensitive values. The sensitive data core (issue 3) fills this in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.exceptions import ApplicationError


def values_write(*, actor, record, values: Mapping[str, Any]) -> None:
    raise ApplicationError("Sensitive properties cannot be stored yet: the encryption core is not installed.")


def values_write_bulk(*, actor, rows: Sequence[tuple[Any, Mapping[str, Any]]]) -> None:
    raise ApplicationError("Sensitive properties cannot be stored yet: the encryption core is not installed.")
