"""A search as HubSpot's: the records a FilterQuery and a quick-search text match, their total, one
sort, and a page at an offset (at most 10,000 results deep, 200 a page).

Sorts on hs_object_id, createdate, lastmodifieddate and plain properties are SQL. A sort on a
sensitive property decrypts that value of every matching record and orders them in memory: the
order tells the values, so it needs what a filter on the property needs (its read permission; a
reveal for a highly sensitive one) and is audited naming the records. Records without a value come
last either way; ties go by id, ascending. Without a sort, records come by id: new records join the
end, so offset pages do not shift while they are created.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.fields.json import KeyTransform
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records.filters.query import FilterQuery
from crm.records.selectors import record_list
from sensitive import matching

MAX_LIMIT = 200
MAX_RESULTS = 10_000
T = PropertyDefinition.DataType
SORT_FIELDS = {
    "hs_object_id": "number",
    "createdate": "created_at",
    "hs_createdate": "created_at",
    "lastmodifieddate": "updated_at",
    "hs_lastmodifieddate": "updated_at",
}


@dataclass(frozen=True)
class SearchSort:
    property_name: str = "hs_object_id"
    descending: bool = False
    field: str = ""  # a column, for the built-in properties
    definition: PropertyDefinition | None = None


def search_sort_parse(
    *, object_type: ObjectType, definitions: dict[str, PropertyDefinition], property_name: str, descending: bool
) -> SearchSort:
    """A sort by a built-in or stored property; ValidationError for another name (keyed "sorts")."""
    if property_name in SORT_FIELDS:
        return SearchSort(property_name, descending, field=SORT_FIELDS[property_name])
    definition = definitions.get(property_name)
    if definition is None or definition.data_type == T.FILE:
        raise ValidationError(
            {"sorts": f"{object_type.label_plural} cannot be sorted by {property_name[:63]!r}: no such property."}
        )
    return SearchSort(property_name, descending, definition=definition)


@dataclass
class SearchPage:
    total: int
    records: list[Record]
    next_offset: int | None  # None: no further page (within the 10,000)


def _sort_key(data_type: str):
    """A decrypted value as it sorts; None for none (or one of another type, which sorts as none)."""
    if data_type == T.NUMBER:
        return lambda value: value if type(value) in (int, float) else None  # not bool, a subclass of int
    if data_type == T.BOOL:
        return lambda value: int(value) if type(value) is bool else None
    if data_type in (T.STRING, T.ENUMERATION):
        return lambda value: value.casefold() if type(value) is str else None
    return lambda value: value if type(value) is str else None  # dates and datetimes: ISO text in UTC


@sensitive_variables()  # decrypted values in hand: none of them in an error report's frame variables
def _page_in_memory(
    actor, records: QuerySet[Record], sort: SearchSort, start: int, end: int, reveal: bool, purpose: str
) -> tuple[int, list[Record]]:
    ids = [pk for _, pk in sorted(records.values_list("number", "pk"))]  # ties by id, ascending
    values = matching.values_of(actor=actor, definition=sort.definition, record_ids=ids, reveal=reveal, purpose=purpose)
    key = _sort_key(sort.definition.data_type)
    present, absent = [], []
    for pk, value in zip(ids, values, strict=True):
        sorts_as = None if value is None else key(value)
        if sorts_as is None:
            absent.append(pk)
        else:
            present.append((sorts_as, pk))
    present.sort(key=lambda item: item[0], reverse=sort.descending)  # stable: ties keep the id order
    page = ([pk for _, pk in present] + absent)[start:end]
    by_pk = {record.pk: record for record in records.filter(pk__in=page)}
    return len(ids), [by_pk[pk] for pk in page if pk in by_pk]


def record_search(
    *,
    actor: User,
    object_type: ObjectType,
    query: FilterQuery | None = None,
    text: str = "",
    sort: SearchSort | None = None,
    offset: int = 0,
    limit: int = 10,
    reveal: bool = False,
    purpose: str = "search",
) -> SearchPage:
    """One page of the records of `object_type` that `actor` may see and that match.

    Raises ValidationError for a bad filter and matching.FilterRefused (a PermissionDenied) for a
    filter or sort the actor may not use, before anything is read.
    """
    sort = sort or SearchSort(field="number")
    if sort.definition is not None and sort.definition.is_sensitive:
        matching.filter_check(actor, sort.definition, reveal=reveal, verb="sort by")
    records = record_list(
        actor=actor, object_type=object_type, search=text, filters=query, reveal=reveal, purpose=purpose
    )
    start, end = max(0, offset), min(max(0, offset) + max(0, limit), MAX_RESULTS)
    if sort.definition is not None and sort.definition.is_sensitive:
        total, page = _page_in_memory(actor, records, sort, start, end, reveal, purpose)
    else:
        total = records.count()
        if sort.field:  # never NULL: no NULLS clause, so that the column's index serves the order
            order = F(sort.field).desc() if sort.descending else F(sort.field).asc()
        else:  # JSON: numbers by value, text as text
            value = KeyTransform(sort.definition.name, "properties")
            order = value.desc(nulls_last=True) if sort.descending else value.asc(nulls_last=True)
        page = list(records.order_by(order, "number")[start:end]) if end > start else []
    more = end < min(total, MAX_RESULTS)
    return SearchPage(total=total, records=page, next_offset=end if more and page else None)
