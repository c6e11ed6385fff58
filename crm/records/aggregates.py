"""Aggregates over records (reports): count, sum, average, min and max, grouped by a property
and by a time bucket, over a QuerySet of records already scoped and filtered by record_list.

Plain properties are aggregated by the database (GROUP BY over the records' JSON). When the group
or the measure is a sensitive property, its values come from the choke point
(sensitive/aggregates.py: permission check, one audit event, batch decryption streamed in chunks)
and are summed here in memory, never kept: no record view is built, so a million records cost a
million decryptions and a dict of counters.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, DateField, DateTimeField, FloatField, Max, Min, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Trunc

from crm.models import PropertyDefinition, Record
from crm.records.filters.query import FilterQuery
from crm.records.filters.resolvers import source_for
from crm.selectors import property_definitions_by_name
from sensitive.aggregates import aggregate_check, option_counts, values_over

MEASURES = ("count", "sum", "avg", "min", "max")
BUCKETS = ("none", "day", "week", "month", "quarter")
CREATED_AT = "created_at"
GROUPABLE = {"enumeration", "bool", "string"}
SENSITIVE_GROUPABLE = {"enumeration", "bool"}  # a sensitive text's groups would list its values
DATED = {"date", "datetime"}
_SQL = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}

__all__ = [
    "BUCKETS",
    "CREATED_AT",
    "MEASURES",
    "Group",
    "aggregate_clean",
    "aggregate_permitted",
    "records_aggregate",
    "sensitive_used",
]


@dataclass
class Group:
    """One row of an aggregate: the group's key (a value as text, None: no value) and bucket (the
    bucket's first day), the records counted, and the measure over the values held."""

    key: str | None
    bucket: dt.date | None
    count: int = 0
    held: int = 0  # records with a value of the measured property
    total: float = 0
    low: float | None = None
    high: float | None = None
    value: float | None = field(default=None)

    def add(self, number: Any) -> None:
        if isinstance(number, bool) or not isinstance(number, int | float):
            return
        self.held += 1
        self.total += number
        self.low = number if self.low is None else min(self.low, number)
        self.high = number if self.high is None else max(self.high, number)

    def finish(self, measure: str) -> None:
        if measure == "count":
            self.value = self.count
        elif self.held:
            self.value = {"sum": self.total, "avg": self.total / self.held, "min": self.low, "max": self.high}[measure]


def aggregate_clean(
    *,
    actor,
    measure: str,
    measure_property: PropertyDefinition | None,
    group_by: PropertyDefinition | None,
    bucket: str,
    bucket_property: PropertyDefinition | None,
) -> None:
    """Raises ValidationError for an aggregate that means nothing (a sum over text, a bucket on a
    non-date) and FilterRefused (a PermissionDenied) for a sensitive property the actor may not
    report on, or a highly sensitive one."""
    errors = {}
    if measure not in MEASURES:
        errors["measure"] = f"Choose a measure: {', '.join(MEASURES)}."
    elif measure != "count":
        if measure_property is None:
            errors["measure_property"] = f"A {measure} needs a number property to measure."
        elif measure_property.data_type != "number":
            errors["measure_property"] = f"{measure_property.label} is not a number: it can't be summed or averaged."
    if group_by is not None:
        kinds = SENSITIVE_GROUPABLE if group_by.is_sensitive else GROUPABLE
        if group_by.data_type not in kinds:
            what = "a sensitive " if group_by.is_sensitive else "a "
            errors["group_by"] = f"{group_by.label} can't group records: group by {what}{' or '.join(sorted(kinds))}."
    if bucket not in BUCKETS:
        errors["bucket"] = f"Choose a time bucket: {', '.join(BUCKETS)}."
    elif bucket_property is not None:
        if bucket_property.data_type not in DATED:
            errors["bucket_property"] = f"{bucket_property.label} is not a date: records can't be bucketed by it."
        elif bucket_property.is_sensitive:
            errors["bucket_property"] = f"{bucket_property.label} is sensitive: bucket by a plain date instead."
    if errors:
        raise ValidationError(errors)
    for definition in (measure_property if measure != "count" else None, group_by):
        if definition is not None and definition.is_sensitive:
            aggregate_check(actor, definition)


def _bucket_sql(bucket: str, bucket_property: PropertyDefinition | None):
    if bucket_property is None:
        return Trunc(CREATED_AT, bucket, output_field=DateField(), tzinfo=dt.UTC)
    text = KeyTextTransform(bucket_property.name, "properties")
    if bucket_property.data_type == "date":
        return Trunc(Cast(text, DateField()), bucket, output_field=DateField())
    return Trunc(Cast(text, DateTimeField()), bucket, output_field=DateField(), tzinfo=dt.UTC)


def _key(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def records_aggregate(
    *,
    actor,
    records: QuerySet[Record],
    measure: str = "count",
    measure_property: PropertyDefinition | None = None,
    group_by: PropertyDefinition | None = None,
    bucket: str = "none",
    bucket_property: PropertyDefinition | None = None,
    details: dict | None = None,
) -> list[Group]:
    """The groups of `records` (scoped and filtered already), in no particular order."""
    aggregate_clean(
        actor=actor,
        measure=measure,
        measure_property=measure_property,
        group_by=group_by,
        bucket=bucket,
        bucket_property=bucket_property,
    )
    measured = measure_property if measure != "count" else None
    records = records.order_by()
    sensitive = [d for d in (group_by, measured) if d is not None and d.is_sensitive]
    if not sensitive:
        groups = _in_sql(records, measure, measured, group_by, bucket, bucket_property)
    else:
        groups = _in_memory(actor, records, measure, measured, group_by, bucket, bucket_property, details or {})
    for group in groups:
        group.finish(measure)
    return groups


def _plain_columns(measured, group_by, bucket, bucket_property) -> dict:
    columns = {}
    if group_by is not None and not group_by.is_sensitive:
        columns["g"] = KeyTextTransform(group_by.name, "properties")
    if bucket != "none":
        columns["b"] = _bucket_sql(bucket, bucket_property)
    if measured is not None and not measured.is_sensitive:
        columns["m"] = Cast(KeyTextTransform(measured.name, "properties"), FloatField())
    return columns


def _in_sql(records, measure, measured, group_by, bucket, bucket_property) -> list[Group]:
    columns = _plain_columns(measured, group_by, bucket, bucket_property)
    number = columns.pop("m", None)
    sums = {"n": Count("pk")}
    if number is not None:
        sums |= {"held": Count(number), "total": Sum(number), "low": Min(number), "high": Max(number)}
        sums["avg"] = Avg(number)
    rows = records.annotate(**columns).values(*columns).annotate(**sums) if columns else [records.aggregate(**sums)]
    groups = []
    for row in rows:
        group = Group(key=row.get("g"), bucket=row.get("b"), count=row["n"])
        if number is not None:
            group.held, group.total = row["held"], row["total"] or 0
            group.low, group.high = row["low"], row["high"]
        groups.append(group)
    return groups


def _in_memory(actor, records, measure, measured, group_by, bucket, bucket_property, details) -> list[Group]:
    """A sensitive group or measure: its values streamed from the choke point, joined by record id
    with the plain columns (when there are any) that SQL reads."""
    for definition in (group_by, measured):  # every permission before anything is read
        if definition is not None and definition.is_sensitive:
            aggregate_check(actor, definition)
    columns = _plain_columns(measured, group_by, bucket, bucket_property)

    def stream(definition):
        """(record id bytes, value) pairs, a decrypted chunk at a time."""
        for chunk in values_over(actor=actor, definition=definition, records=records, details=details):
            yield from chunk

    def chunks(definition):
        """The values only, a decrypted chunk at a time."""
        return values_over(actor=actor, definition=definition, records=records, details=details, with_ids=False)

    def counts(definition):
        """{value: count}, off the blind index where it tells every option apart, else decrypted."""
        found = option_counts(actor=actor, definition=definition, records=records, details=details)
        if found is None:
            found = Counter()
            for chunk in chunks(definition):  # Counter's C loop over each chunk's values
                found.update(chunk)
        return found

    if not columns:
        return _sensitive_only(records, measured, group_by, stream, counts)
    names = list(columns)
    rows: dict[bytes, list] = {}
    for pk, *values in records.annotate(**columns).values_list("pk", *names).iterator(chunk_size=10_000):
        row = dict(zip(names, values, strict=True))
        rows[pk.bytes] = [_key(row.get("g")), row.get("b"), row.get("m")]
    if group_by is not None and group_by.is_sensitive:
        for rid, value in stream(group_by):
            if rid in rows:
                rows[rid][0] = _key(value)
    if measured is not None and measured.is_sensitive:
        for rid, value in stream(measured):
            if rid in rows:
                rows[rid][2] = value
    groups: dict[tuple, Group] = {}
    for key, day, number in rows.values():
        group = groups.get((key, day)) or groups.setdefault((key, day), Group(key=key, bucket=day))
        group.count += 1
        if number is not None:
            group.add(number)
    return list(groups.values())


def _sensitive_only(records, measured, group_by, stream, counts) -> list[Group]:
    """No plain column: a count by the sensitive group needs no per-record row at all (the
    benchmark's million records are counted straight off the stream)."""
    total = records.count()
    if group_by is None:  # a sensitive measure over all records
        group = Group(key=None, bucket=None, count=total)
        for _, value in stream(measured):
            group.add(value)
        return [group]
    if measured is None:
        tally: Counter = Counter()
        for value, n in counts(group_by).items():
            tally[_key(value)] += n
        groups = [Group(key=key, bucket=None, count=n) for key, n in tally.items() if key is not None]
    else:
        keyed = {rid: _key(value) for rid, value in stream(group_by)}
        by_key: dict[str | None, Group] = {}
        for key in keyed.values():
            by_key.setdefault(key, Group(key=key, bucket=None)).count += 1
        for rid, value in stream(measured):
            key = keyed.get(rid)
            by_key.setdefault(key, Group(key=key, bucket=None)).add(value)
        groups = list(by_key.values())
    counted = sum(group.count for group in groups if group.key is not None)
    if total > counted:
        none = next((group for group in groups if group.key is None), None)
        if none is None:
            groups.append(none := Group(key=None, bucket=None))
        none.count = total - counted
    return [group for group in groups if group.count or group.held]


def sensitive_used(
    *, object_type, query: FilterQuery | None, definitions: list[PropertyDefinition | None]
) -> list[PropertyDefinition]:
    """The sensitive properties an aggregate uses: `definitions` and those its filter names (the
    associated record's, for associations.<type>.<property>)."""
    found = [d for d in definitions if d is not None and d.is_sensitive]
    if query:
        by_name = property_definitions_by_name(object_type=object_type)
        for name in query.property_names:
            source = source_for(object_type, by_name, name)
            if source is not None and source.definition is not None and source.definition.is_sensitive:
                found.append(source.definition)
    return list({d.pk: d for d in found}.values())


def aggregate_permitted(actor, definitions: list[PropertyDefinition]) -> bool:
    """Whether `actor` may report on every one of these properties (aggregate_check's rule)."""
    try:
        for definition in definitions:
            aggregate_check(actor, definition)
    except PermissionDenied:
        return False
    return True
