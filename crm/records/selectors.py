"""Reads of records, scoped by the actor's tenant and record scope: callers never filter by either.

Records come back without their sensitive values: those are read through crm/records/api.py.
Archived records (crm/records/archive.py) are left out unless a selector is asked for them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, FloatField, Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from accounts.models import User
from crm.models import Association, ObjectType, PropertyDefinition, Record, RecordScope, internal_name_validator
from crm.records.filters import FilterQuery, query_of_equalities, records_filtered
from crm.records.visibility import visibility_of
from crm.selectors import object_type_list, property_definitions, property_definitions_by_name

# Where a quick search (the staff UI's search box, the API's `query`) looks besides the record's
# name: HubSpot's default searchable properties of each type, those the type has and that are not
# sensitive (a sensitive value is never matched in the JSON, not even one just made sensitive that
# waits there for its move).
QUICK_SEARCH_PROPERTIES = {
    "contacts": ("email", "firstname", "lastname", "phone", "mobilephone", "company"),
    "companies": ("name", "domain", "website", "phone"),
    "deals": ("dealname", "description"),
    "tickets": ("subject", "content"),
}
QUICK_SEARCH_DEFAULT = ("email", "domain", "name")


def _quick_search(object_type: ObjectType, definitions: dict[str, PropertyDefinition], text: str) -> Q:
    matches = Q(display_name__icontains=text)
    for name in QUICK_SEARCH_PROPERTIES.get(object_type.name, QUICK_SEARCH_DEFAULT):
        if name in definitions and not definitions[name].is_sensitive:
            matches |= Q(**{f"properties__{name}__icontains": text})
    return matches


def record_list(
    *,
    actor: User,
    object_type: ObjectType,
    search: str = "",
    filters: Mapping[str, Any] | FilterQuery | None = None,
    reveal: bool = False,
    archived: bool = False,
    purpose: str = "filter",
    numbers: tuple[int, int] | None = None,
    ids: Collection[uuid.UUID] | None = None,
) -> QuerySet[Record]:
    """Records of one type, newest first; `search` is the quick search (name, email, domain...).

    A filter on a highly sensitive property is a reveal: it needs `reveal`. Raises ValidationError
    for a bad filter and PermissionDenied for one the actor may not use, before reading anything.
    `filters` is a FilterQuery (crm/records/filters/), or {property name: value} for equalities.
    `archived` lists the archived records instead of the others. `numbers` (low, high), both
    included, keeps the records of that range of numbers only: a list build's chunk; `ids` keeps
    those records only (changed records checked against the active lists): either narrows what the
    sensitive filters read and audit.
    """
    if object_type.tenant_id != actor.tenant_id:
        return Record.objects.none()
    visibility = visibility_of(actor)
    records = (
        Record.objects.for_tenant(actor.tenant_id)
        .filter(object_type=object_type, archived_at__isnull=not archived)
        .filter(visibility.q(object_type.pk))
        .select_related("owner", "team", "object_type")
    )
    if numbers is not None:
        records = records.filter(number__gte=numbers[0], number__lte=numbers[1])
    if ids is not None:
        records = records.filter(pk__in=list(ids))
    if filters is not None and not isinstance(filters, FilterQuery):
        filters = query_of_equalities(filters)
    search = search.strip()
    definitions = property_definitions_by_name(object_type=object_type) if search or filters else {}
    if search:
        records = records.filter(_quick_search(object_type, definitions, search))
    if filters:
        records = records_filtered(
            actor=actor,
            records=records,
            object_type=object_type,
            definitions=definitions,
            query=filters,
            reveal=reveal,
            purpose=purpose,
            narrowed=bool(search)
            or numbers is not None
            or ids is not None
            or visibility.scope(object_type.pk) != RecordScope.Scope.ALL,
        )
    return records


def record_get(*, actor: User, record_id: uuid.UUID | str, archived: bool = False) -> Record:
    """Raises Record.DoesNotExist alike for a missing, malformed, foreign or out-of-scope id, and for an
    archived record unless `archived` (then for one that is not archived)."""
    try:
        record_uuid = uuid.UUID(str(record_id))
    except ValueError:
        raise Record.DoesNotExist("No such record.") from None
    if actor.tenant_id is None:
        raise Record.DoesNotExist("No such record.")
    record = (
        Record.objects.for_tenant(actor.tenant_id)
        .select_related("owner", "team", "object_type")
        .get(pk=record_uuid, archived_at__isnull=not archived)
    )
    if not visibility_of(actor).allows(record):
        raise Record.DoesNotExist("No such record.")
    return record


def record_recent(*, actor: User, limit: int = 10) -> list[Record]:
    """The records the actor may see that changed last, of every type.

    The newest of each type, then merged: each type's query is a scan of the (tenant, type,
    updated) index, where one query over all types sorted every record of the tenant.
    """
    if actor.tenant_id is None:
        return []
    visibility = visibility_of(actor)
    records = Record.objects.for_tenant(actor.tenant_id).filter(archived_at__isnull=True).select_related("object_type")
    newest: list[Record] = []
    for object_type in object_type_list(actor=actor):
        of_type = records.filter(object_type=object_type).filter(visibility.q(object_type.pk))
        newest += of_type.order_by("-updated_at", "-id")[:limit]
    return sorted(newest, key=lambda record: (record.updated_at, record.pk), reverse=True)[:limit]


def record_associations(*, actor: User, record: Record) -> list[tuple[Record, str]]:
    """The records linked to `record` in either direction, with the link's label; archived ones left out."""
    if record.tenant_id != actor.tenant_id:
        return []
    links = (
        Association.objects.for_tenant(actor.tenant_id)
        .filter(Q(from_record=record) | Q(to_record=record))
        .select_related("from_record__object_type", "to_record__object_type")
    )
    visibility = visibility_of(actor)
    linked = [(link.to_record if link.from_record_id == record.pk else link.from_record, link.label) for link in links]
    return [(other, label) for other, label in linked if other.archived_at is None and visibility.allows(other)]


# --- Sorted, keyset-paginated record pages (the staff UI's object index) ----------------------

RECORD_SORT_FIELDS = {"name": "display_name", "created": "created_at", "updated": "updated_at"}
RECORD_SORT_DEFAULT = "-created"
PROPERTY_SORT_PREFIX = "p."


class InvalidRecordSort(ValueError):
    pass


class InvalidRecordCursor(ValueError):
    pass


@dataclass(frozen=True)
class RecordSort:
    """A sort of records: by name, created or updated date, or a non-sensitive property; ties by id."""

    key: str  # "name", "created", "updated" or "p.<property name>"
    descending: bool = False
    definition: PropertyDefinition | None = None

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key

    @property
    def nullable(self) -> bool:
        return self.definition is not None

    def expression(self):
        if self.definition is None:
            return F(RECORD_SORT_FIELDS[self.key])
        # KeyTextTransform, not KT("properties__<name>"): a name may hold "__", which KT reads as nesting.
        text = KeyTextTransform(self.definition.name, "properties")
        if self.definition.data_type == PropertyDefinition.DataType.NUMBER:
            return Cast(text, FloatField())
        # Dates and UTC datetimes are ISO strings, booleans "false"/"true": their text sorts right. The
        # cast makes comparisons plain text ones: JSON key lookups would parse the cursor value as JSON.
        return Cast(text, TextField())


def record_sort_parse(
    *, object_type: ObjectType, value: str, definitions: list[PropertyDefinition] | None = None
) -> RecordSort:
    """`name`, `-created`, `p.<property>`...; raises InvalidRecordSort for unknown or sensitive keys.

    `definitions`, when given, are the object type's property definitions, already loaded.

    Sensitive properties are not sortable: an order would tell what the values are without showing them,
    and their ciphertext cannot be ordered in SQL anyway.
    """
    value = (value or RECORD_SORT_DEFAULT).strip()
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key in RECORD_SORT_FIELDS:
        return RecordSort(key=key, descending=descending)
    name = key.removeprefix(PROPERTY_SORT_PREFIX)
    if key.startswith(PROPERTY_SORT_PREFIX) and internal_name_validator.regex.fullmatch(name):
        if definitions is None:
            definition = property_definitions(object_type=object_type).filter(name=name).first()
        else:  # already loaded by the caller: no query
            definition = next((d for d in definitions if d.name == name and d.object_type_id == object_type.pk), None)
        if definition is not None and not definition.is_sensitive:
            return RecordSort(key=key, descending=descending, definition=definition)
        if definition is not None:
            raise InvalidRecordSort(f"{definition.label} is sensitive, so records cannot be sorted by it.")
    raise InvalidRecordSort(f"{object_type.label_plural} cannot be sorted by {value[:70]!r}.")


@dataclass
class RecordPage:
    records: list[Record]
    next_cursor: str = ""  # "" when there is no next page
    previous_cursor: str = ""


def _cursor_encode(sort: RecordSort, record: Record) -> str:
    value = record.sort_value
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    payload = json.dumps([sort.key, value, str(record.pk)], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _cursor_decode(sort: RecordSort, cursor: str) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor points at; InvalidRecordCursor when it is malformed or of another sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, value, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        record_uuid = uuid.UUID(str(record_id))
        if key != sort.key:
            raise ValueError("a cursor of another sort")
        if sort.key in ("created", "updated"):
            value = dt.datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError("a naive datetime")
        elif sort.key == "name":
            if not isinstance(value, str):
                raise ValueError("a name that is not text")
        elif sort.definition.data_type == PropertyDefinition.DataType.NUMBER:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError("a number that is not a number")
            value = None if value is None else float(value)
        elif value is not None and not isinstance(value, str):
            raise ValueError("a value that is not text")
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("a NUL character, which PostgreSQL text cannot hold")
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRecordCursor("This page link is not valid (any more).") from exc
    return value, record_uuid


def _cursor_q(sort: RecordSort, cursor: str, *, forward: bool) -> Q:
    """Records after the cursor in the sort's order (forward), or before it (backward).

    The order is the sort value (missing values last), then the id in the same direction. The
    redundant bound on the value alone lets PostgreSQL start an index scan at the cursor.
    """
    value, record_id = _cursor_decode(sort, cursor)
    later = "lt" if sort.descending == forward else "gt"
    bound = "lte" if later == "lt" else "gte"
    if value is None:  # the cursor sits among the records without a value, which come last
        same = Q(sort_value__isnull=True, **{f"pk__{later}": record_id})
        return same if forward else same | Q(sort_value__isnull=False)
    q = Q(**{f"sort_value__{later}": value}) | Q(sort_value=value, **{f"pk__{later}": record_id})
    if sort.nullable:
        return q | Q(sort_value__isnull=True) if forward else q
    return Q(**{f"sort_value__{bound}": value}) & q


def record_page(
    *, records: QuerySet[Record], sort: RecordSort, after: str = "", before: str = "", size: int = 50
) -> RecordPage:
    """One page of `records` (from record_list) by keyset pagination: no OFFSET, no COUNT(*).

    `after` and `before` are cursors from an earlier page. Raises InvalidRecordCursor for a bad one.
    """
    forward = not before
    expression = sort.expression()
    first_ascending = sort.descending != forward
    records = records.annotate(sort_value=expression)
    if after or before:
        records = records.filter(_cursor_q(sort, before or after, forward=forward))
    # Missing property values come last. Name and dates are never NULL: no NULLS clause for them, so
    # PostgreSQL's (tenant, object type, created, id) index serves the ORDER BY as it stands.
    nulls = {"nulls_last": True} if forward else {"nulls_first": True}
    nulls = nulls if sort.nullable else {}
    order = expression.asc(**nulls) if first_ascending else expression.desc(**nulls)
    rows = list(records.order_by(order, "pk" if first_ascending else "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return RecordPage(records=[])
    has_next = more if forward else True
    has_previous = more if not forward else bool(after)
    return RecordPage(
        records=rows,
        next_cursor=_cursor_encode(sort, rows[-1]) if has_next else "",
        previous_cursor=_cursor_encode(sort, rows[0]) if has_previous else "",
    )


def records_with_value_count(definition: PropertyDefinition) -> int:
    """Records holding a value of the property, in their JSON or encrypted (counted, never read)."""
    return (
        Record.objects.filter(object_type_id=definition.object_type_id)
        .filter(Q(properties__has_key=definition.name) | Q(sensitive_values__property=definition))
        .distinct()
        .count()
    )
