"""Which API operations exist yet: tests of endpoints still being built skip, with a reason, until
their view lands, then run by themselves."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from crm.api.base import ApiView


def landed(method: str, path: str) -> bool:
    """Whether `method path` reaches an API view that handles that method (not the catch-all 404)."""
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    return isinstance(view, type) and issubclass(view, ApiView) and hasattr(view, method.lower())


def require_landed(method: str, path: str) -> None:
    if not landed(method, path):
        pytest.skip(f"{method.upper()} {path} has not landed yet")
