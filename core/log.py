"""Logging helpers."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx (a refused or missing page) is one warning line; only server errors carry a traceback.

    Django logs a PermissionDenied with the exception attached, so each refusal printed a full
    traceback that looked like a crash.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
