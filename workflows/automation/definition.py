"""A workflow's trigger and actions as their author gives them, checked when it is saved.

Actions, in order (1-based "steps" in every message):

    {"type": "set_property", "property": "lifecyclestage", "value": "customer"}
        value: a literal, or text with {{property}} placeholders (a sensitive destination takes a
        literal, stored sealed, or exactly one placeholder: a copy)
    {"type": "create_task", "title": "Call {{firstname}}", "owner": "record_owner" | "<email>", "due_in_days": 3}
    {"type": "notify", "to": "record_owner" | ["<email>", ...], "subject": "...", "body": "..."}
    {"type": "list_add" | "list_remove", "list": <static list number>}
    {"type": "wait", "seconds" | "minutes" | "hours" | "days": n}
    {"type": "branch", "filterGroups": [...], "else_step": n}
        the condition holds: go on with the next step; else jump to step n (a later one; past the
        last one ends the enrolment). Jumps go forward only, so a workflow has no loop of its own.
    {"type": "webhook", "url": "https://...", "properties": ["firstname", ...]}

The copy rule and the loop check are rules.py.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from crm.models import PropertyDefinition

PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_.]+)\s*\}\}")
LABELS = {
    "set_property": "set property",
    "create_task": "create task",
    "notify": "notification email",
    "list_add": "add to list",
    "list_remove": "remove from list",
    "wait": "wait",
    "branch": "branch",
    "webhook": "webhook",
}
WAIT_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MAX_ACTIONS = 50
MAX_TEXT = 2000
MAX_WAIT = 365 * 86400


def step_name(index: int, action: dict) -> str:
    """ "Step 2 (set property)": how every message names an action."""
    return f"Step {index + 1} ({LABELS.get(action.get('type'), 'unknown')})"


def placeholders(text: Any) -> list[str]:
    return PLACEHOLDER.findall(text) if isinstance(text, str) else []


def _text(action: dict, field: str, where: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = action.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{where}: {field} must be text.")
    if required and not value.strip():
        raise ValidationError(f"{where}: give a {field}.")
    if len(value) > limit or "\x00" in value:
        raise ValidationError(f"{where}: {field} has at most {limit} characters.")
    return value


def _whole(value: Any, where: str, field: str, *, low: int = 0, high: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{where}: {field} must be a whole number from {low} to {high}.")
    return value


def wait_seconds(action: dict) -> int:
    return sum(action.get(unit, 0) * factor for unit, factor in WAIT_UNITS.items())


def _shape(index: int, action: Any, count: int) -> dict:
    """The action with its fields checked for shape (properties and lists are checked by rules.py)."""
    if not isinstance(action, dict) or action.get("type") not in LABELS:
        kinds = ", ".join(LABELS)
        raise ValidationError(f"Step {index + 1}: an action is an object whose type is one of {kinds}.")
    where, kind = step_name(index, action), action["type"]
    if kind == "set_property":
        _text(action, "property", where, limit=63)
        value = action.get("value")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ValidationError(f"{where}: value must be text, a number or true/false.")
        if isinstance(value, str):
            _text(action, "value", where, required=False)
    elif kind == "create_task":
        _text(action, "title", where, limit=255)
        owner = action.get("owner", "record_owner")
        if not isinstance(owner, str) or not owner.strip():
            raise ValidationError(f"{where}: owner is record_owner or a user's email.")
        _whole(action.get("due_in_days", 0), where, "due_in_days", high=3650)
    elif kind == "notify":
        to = action.get("to", "record_owner")
        if not (to == "record_owner" or (isinstance(to, list) and to and all(isinstance(t, str) for t in to))):
            raise ValidationError(f"{where}: to is record_owner or a list of users' emails.")
        _text(action, "subject", where, limit=255)
        _text(action, "body", where, required=False)
    elif kind in ("list_add", "list_remove"):
        _whole(action.get("list"), where, "list", low=1, high=2**63 - 1)
    elif kind == "wait":
        units = [unit for unit in WAIT_UNITS if unit in action]
        if not units:
            raise ValidationError(f"{where}: give seconds, minutes, hours or days.")
        for unit in units:
            _whole(action[unit], where, unit, high=MAX_WAIT)
        if not 0 < wait_seconds(action) <= MAX_WAIT:
            raise ValidationError(f"{where}: a wait lasts from one second to a year.")
    elif kind == "branch":
        if not isinstance(action.get("filterGroups"), list) or not action["filterGroups"]:
            raise ValidationError(f"{where}: give the condition as filterGroups.")
        _whole(action.get("else_step"), where, "else_step", low=index + 2, high=count + 1)
    elif kind == "webhook":
        _text(action, "url", where, limit=2000)
        names = action.get("properties", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValidationError(f"{where}: properties is a list of property names.")
    return action


def actions_shape(actions: Any) -> tuple[list[dict], list[str]]:
    """(the actions, messages of those that are malformed)."""
    if not isinstance(actions, list):
        return [], ["Actions are a list."]
    if len(actions) > MAX_ACTIONS:
        return [], [f"A workflow has at most {MAX_ACTIONS} actions."]
    errors, shaped = [], []
    for index, action in enumerate(actions):
        try:
            shaped.append(_shape(index, action, len(actions)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    return shaped, errors


def sources_of(action: dict) -> list[str]:
    """The properties whose values the action copies somewhere."""
    kind = action["type"]
    if kind == "set_property":
        return placeholders(action.get("value"))
    if kind == "create_task":
        return placeholders(action.get("title"))
    if kind == "notify":
        return placeholders(action.get("subject")) + placeholders(action.get("body"))
    if kind == "webhook":
        return list(action.get("properties", []))
    return []


def is_copy(action: dict) -> bool:
    """A set_property whose value is exactly one placeholder."""
    value = action.get("value")
    return isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()) is not None


def label(definition: PropertyDefinition) -> str:
    return f"{definition.label} ({definition.name})"
