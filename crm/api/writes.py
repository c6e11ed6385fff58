"""Bodies of the object writes (create, update, upsert; one or a batch), checked before anything is saved.

Each check collects HubSpot error items (`in`: "properties.email", or "inputs[3].properties.email" in a
batch) instead of stopping at the first, so a client sees every problem of a request at once:

- shape: `properties` is an object of strings (numbers, booleans and null pass too);
- names: an unknown property is PROPERTY_DOESNT_EXIST, a built-in one (hs_object_id, createdate,
  lastmodifieddate) READ_ONLY_VALUE; `hubspot_owner_id` names a person of the tenant by owner number;
- sensitive properties: those the token may not write (scopes and allowlist, asked of the record
  layer) make the whole request a 403 naming each property and the scope it lacks;
- values: the record layer's validation, by input, without writing (crm.records.api.records_values_check).

Messages name the property and the rule, never the value (ARCHITECTURE.md rule 9).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from accounts import scopes as api_scopes
from accounts.models import User
from crm.api import association_types, errors, resolve
from crm.api.shapes import BUILT_IN, OWNER
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import api as records
from crm.records import lookup

T = PropertyDefinition.DataType
UNIX_MILLISECONDS = re.compile(r"-?\d{1,15}")
DAY_MS = 86_400_000


@dataclass
class Write:
    """One input's values for record_write, and its owner (hubspot_owner_id)."""

    values: dict[str, Any] = field(default_factory=dict)
    owner: User | None = None
    clear_owner: bool = False

    @property
    def sets_owner(self) -> bool:
        return self.owner is not None or self.clear_owner


def item(message: str, where: str, code: str) -> dict[str, str]:
    return {"message": message, "in": where, "code": code}


def bad_request(items: list[dict], message: str = "") -> errors.ApiError:
    text = message or "Invalid input: " + "; ".join(f"{i['in']}: {i['message']}" for i in items[:20])
    return errors.ApiError(text[:2000], errors=items)


def body_of(request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise bad_request([item("The body must be a JSON object.", "body", "INVALID_BODY")])
    return request.data


def hubspot_value(definition: PropertyDefinition, value: Any) -> Any:
    """HubSpot's unix milliseconds ("1577836800000") for date and datetime properties, as ISO text;
    a date must be midnight UTC, as HubSpot's (any other is left to fail the date rule)."""
    if definition.data_type not in (T.DATE, T.DATETIME) or isinstance(value, bool):
        return value
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not UNIX_MILLISECONDS.fullmatch(text):
        return value
    milliseconds = int(text)
    try:
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=milliseconds)
    except OverflowError:
        return value
    if definition.data_type == T.DATETIME:
        return moment.isoformat()
    return moment.date().isoformat() if milliseconds % DAY_MS == 0 else value


def _owner_of(actor: User, value: Any, where: str) -> tuple[User | None, bool, dict | None]:
    """(owner, clear, error) of a hubspot_owner_id value: an owner number, or "" / null to clear."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None, True, None
    number = resolve.whole_number(text)
    if number is None:
        return None, False, item("An owner id is the number of a user (see /crm/v3/owners).", where, "INVALID_OWNER_ID")
    try:
        return lookup.owner_get_by_number(actor=actor, number=number), False, None
    except User.DoesNotExist:
        return None, False, item("No user of this account has this owner id.", where, "INVALID_OWNER_ID")


def write_of(
    actor: User, definitions: dict[str, PropertyDefinition], raw: Any, where: str = "properties"
) -> tuple[Write, list[dict]]:
    """One input's `properties` as a Write, and the error items of its shape and names."""
    write, problems = Write(), []
    if raw is None:
        return write, problems
    if not isinstance(raw, dict):
        return write, [item("properties must be an object of property names and values.", where, "INVALID_BODY")]
    for name, value in raw.items():
        at = f"{where}.{str(name)[:63]}"
        if value is not None and not isinstance(value, str | int | float | bool):
            problems.append(item("A property value must be a string, a number, a boolean or null.", at, "INVALID_TYPE"))
        elif isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold it (forms refuse it too)
            problems.append(item("A value cannot contain the NUL character.", at, "INVALID_PROPERTY_VALUE"))
        elif name in BUILT_IN:
            problems.append(item(f"{name} is a read-only property; its value cannot be set.", at, "READ_ONLY_VALUE"))
        elif name == OWNER:
            write.owner, write.clear_owner, problem = _owner_of(actor, value, at)
            problems += [problem] if problem else []
        elif name not in definitions:
            problems.append(item("Property does not exist.", at, "PROPERTY_DOESNT_EXIST"))
        else:
            write.values[name] = hubspot_value(definitions[name], value)
    return write, problems


def refuse_unwritable(request, object_type: ObjectType, writes: list[tuple[str, Write]]) -> None:
    """403 MISSING_SCOPES, before anything is saved, when any input writes a sensitive property the
    token may not: one error item per input and property, naming the scope that would allow it."""
    names = {name for _, write in writes for name in write.values}
    refused = {
        d.name: d for d in records.properties_not_writable(actor=request.user, object_type=object_type, names=names)
    }
    if not refused:
        return
    granted = request.auth.scopes if request.auth is not None else []
    items, needed_all = [], set()
    for where, write in writes:
        for name in sorted(set(write.values) & set(refused)):
            needed = api_scopes.object_scopes_needed(
                object_type.name,
                is_standard=object_type.is_standard,
                access=api_scopes.WRITE,
                tier=refused[name].sensitivity,
            )
            needed_all.update(needed)
            error = errors.missing_scopes(needed, prop=name).errors[0]
            error["in"] = f"{where}.{name}"
            if api_scopes.may(granted, needed):
                error["message"] = "This app's sensitive allowlist does not hold this property."
            items.append(error)
    raise errors.ApiError(
        f"This app may not write {', '.join(sorted(refused))}: it lacks the sensitive scope or the allowlist entry.",
        status_code=403,
        category=errors.MISSING_SCOPES,
        errors=items,
        context={"requiredGranularScopes": sorted(needed_all), "property": sorted(refused)},
    )


def invalid_items(exc: ValidationError, where: str = "properties") -> list[dict]:
    """The record layer's validation errors as items whose `in` names the input's property."""
    if not hasattr(exc, "error_dict"):
        return [item(message, where, "INVALID_PROPERTY_VALUE") for message in exc.messages]
    return [
        item(message, f"{where}.{name}" if name not in ("__all__", "") else where, "INVALID_PROPERTY_VALUE")
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


def check_values(object_type: ObjectType, writes: list[tuple[str, Write]], *, creating: bool | list[bool]) -> None:
    """400 with every input's validation errors, before any of them is written."""
    flags = creating if isinstance(creating, list) else [creating] * len(writes)
    problems = []
    for is_new in (True, False):
        chosen = [(where, write) for (where, write), flag in zip(writes, flags, strict=True) if flag is is_new]
        if not chosen:
            continue
        found = records.records_values_check(
            object_type=object_type, rows=[write.values for _, write in chosen], creating=is_new
        )
        for index, exc in sorted(found.items()):
            problems += invalid_items(exc, chosen[index][0])
    if problems:
        raise bad_request(
            problems,
            "Property values were not valid: " + "; ".join(f"{p['in']}: {p['message']}" for p in problems[:20]),
        )


def links_of(
    actor: User, object_type: ObjectType, raws: list[tuple[str, Any]], require_read: Callable[[ObjectType], None]
) -> tuple[list[list[Record]], list[dict]]:
    """Each input's `associations` ([{"to": {"id"}, "types": [{associationCategory, associationTypeId}]}])
    as the records to link it to, and the error items; targets are looked up with one query per type,
    after `require_read` (a 403 when the token may not read that type: its ids are not confirmed)."""
    wanted: list[list[tuple[str, ObjectType, int]]] = []
    problems = []
    for where, raw in raws:
        mine = []
        if raw is not None and not isinstance(raw, list):
            problems.append(item("associations must be a list.", where, "INVALID_BODY"))
            raw = []
        for index, association in enumerate(raw or []):
            at = f"{where}[{index}]"
            target = _link_target(actor, object_type, association, at)
            if isinstance(target, dict):
                problems.append(target)
            else:
                mine.append((at, *target))
        wanted.append(mine)
    found: dict[tuple, Record] = {}
    by_type: dict[Any, tuple[ObjectType, set[int]]] = {}
    for mine in wanted:
        for _, to_type, number in mine:
            by_type.setdefault(to_type.pk, (to_type, set()))[1].add(number)
    for to_type, numbers in by_type.values():
        require_read(to_type)
        for number, record in lookup.records_by_numbers(actor=actor, object_type=to_type, numbers=numbers).items():
            found[(to_type.pk, number)] = record
    targets = []
    for mine in wanted:
        records_of_input = []
        for at, to_type, number in mine:
            record = found.get((to_type.pk, number))
            if record is None:
                problems.append(item("No such record to associate with.", f"{at}.to.id", "OBJECT_NOT_FOUND"))
            else:
                records_of_input.append(record)
        targets.append(records_of_input)
    return targets, problems


def _link_target(actor: User, object_type: ObjectType, association: Any, at: str) -> tuple[ObjectType, int] | dict:
    if not isinstance(association, dict):
        return item("An association is an object with `to` and `types`.", at, "INVALID_BODY")
    to_id = str((association.get("to") or {}).get("id", "") if isinstance(association.get("to"), dict) else "").strip()
    if resolve.whole_number(to_id) is None:
        return item("to.id must be the numeric id of a record.", f"{at}.to.id", "INVALID_ID")
    kinds = association.get("types")
    if not isinstance(kinds, list) or not kinds or not all(isinstance(kind, dict) for kind in kinds):
        return item("types must be a list of association types.", f"{at}.types", "INVALID_BODY")
    to_names = set()
    for kind in kinds:
        type_id = kind.get("associationTypeId")
        to_name = None
        if isinstance(type_id, int) and not isinstance(type_id, bool):
            to_name = association_types.to_type_of(object_type.name, str(kind.get("associationCategory")), type_id)
        if to_name is None or not object_type.is_standard:
            return item(
                f"Not an association type from {object_type.name} that this API knows.", f"{at}.types", "INVALID_TYPE"
            )
        to_names.add(to_name)
    if len(to_names) != 1:
        return item("The types of one association must link to one object type.", f"{at}.types", "INVALID_TYPE")
    try:
        to_type = resolve.object_type_of(actor, to_names.pop())
    except errors.ApiError:
        return item("No such object type to associate with.", f"{at}.types", "INVALID_TYPE")
    return to_type, int(to_id)
