from __future__ import annotations


class ApplicationError(Exception):
    """The one error type services raise for broken business rules; `extra` carries details for the caller."""

    def __init__(self, message: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


def validation_error_text(exc) -> str:
    """A Django ValidationError as one line for a command-line message: `field: message; ...`."""
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
