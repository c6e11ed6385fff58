"""Putting a service's refusal on a form: one way for every surface."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError


def add_errors(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """A service's errors next to the fields they name; the rest above the form."""
    if isinstance(exc, PermissionDenied) or not hasattr(exc, "error_dict"):
        messages_ = [str(exc)] if isinstance(exc, PermissionDenied) else exc.messages
        form.add_error(None, messages_)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def error_text(exc: ValidationError | PermissionDenied) -> str:
    """A service's refusal as one line, for a page without a form to put it on."""
    return " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)])
