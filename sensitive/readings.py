from __future__ import annotations

import enum
from typing import Any


class State(enum.StrEnum):
    VALUE = "value"
    EMPTY = "empty"
    RESTRICTED = "restricted"  # no view grant
    MASKED = "masked"  # highly sensitive: shown only on an explicit reveal
    KEY_DESTROYED = "key_destroyed"
    UNREADABLE = "unreadable"  # tampered, moved, or the master key is wrong


MARKERS = {
    State.EMPTY: "",
    State.RESTRICTED: "Restricted",
    State.MASKED: "••••••",
    State.KEY_DESTROYED: "Key destroyed",
    State.UNREADABLE: "Unreadable",
}


class Reading:
    """One sensitive value as an actor may see it: the value, or a marker saying why not.

    Its repr never shows the value, so a Reading in a log line or an error report leaks nothing.
    Treat it as immutable. A plain class rather than a frozen dataclass: a bulk read makes one per
    value, and a frozen dataclass took six times as long to make.
    """

    __slots__ = ("hint", "state", "value")

    def __init__(self, state: State, value: Any = None, hint: str = "") -> None:
        self.state = state
        self.value = value
        self.hint = hint

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reading):
            return NotImplemented
        return (self.state, self.value, self.hint) == (other.state, other.value, other.hint)

    def __hash__(self) -> int:
        return hash((self.state, self.hint))

    @property
    def is_value(self) -> bool:
        return self.state == State.VALUE

    @property
    def is_masked(self) -> bool:
        return self.state in (State.RESTRICTED, State.MASKED)

    def __str__(self) -> str:
        return str(self.value) if self.state == State.VALUE else MARKERS[self.state]

    def __repr__(self) -> str:
        return f"Reading(state={self.state.value!r})"


EMPTY = Reading(State.EMPTY)
MASKED = Reading(State.MASKED)
KEY_DESTROYED = Reading(State.KEY_DESTROYED)
UNREADABLE = Reading(State.UNREADABLE)
