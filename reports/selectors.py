"""Reads of reports, and a report's run: who it is computed as, and what the viewer sees.

The rule, for a report that uses sensitive properties (groups by one, measures one, or filters on
one):

- A viewer who may view every one of them sees the report computed as themselves: their record
  scope, exact numbers.
- Any other user of the tenant sees it computed as its owner (the one who last saved it, who must
  still hold the grants: otherwise the run is refused and names the property), over the records
  both may see; and each group of fewer than REPORTS_SMALL_GROUP_MIN records is shown as "fewer
  than N", its measure hidden, so that a count can't tell one person's value. No total row is
  shown then (it would give a hidden group away by subtraction).

A report that uses no sensitive property is computed as the viewer, exactly. Every run over
sensitive properties is an audit event (report.run: the report, the properties, who it ran as,
whether groups were hidden; never a value), beside the choke point's own event for the values it
decrypted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.records import selectors as record_selectors
from crm.records.aggregates import Group, aggregate_permitted, records_aggregate, sensitive_used
from crm.records.filters.stored import query_open
from reports.models import Report

NO_VALUE = "(no value)"


class ReportNotFound(LookupError):
    """No such report in the actor's tenant: one error for missing and for another tenant's."""


def report_list(*, actor: User) -> QuerySet[Report]:
    return Report.objects.for_tenant(actor.tenant_id).select_related("object_type", "list", "created_by")


def report_get(*, actor: User, report_id: uuid.UUID | str) -> Report:
    try:
        return (
            report_list(actor=actor).select_related("measure_property", "group_by", "bucket_property").get(pk=report_id)
        )
    except (Report.DoesNotExist, ValueError, TypeError, ValidationError):
        raise ReportNotFound from None


@dataclass
class Row:
    group: str  # the group's label; "" without a group
    bucket: str  # the bucket's label; "" without a bucket
    count: int | None  # None: hidden (fewer than the minimum)
    value: float | None
    key: str | None = None
    day: object = None


@dataclass
class Result:
    report: Report
    rows: list[Row] = field(default_factory=list)
    hidden: bool = False  # groups of fewer than `minimum` records are hidden
    minimum: int = 5
    runner: User | None = None
    sensitive: list = field(default_factory=list)  # the sensitive properties it uses

    @property
    def small(self) -> str:
        return f"fewer than {self.minimum}"


def _label_of(report: Report):
    definition = report.group_by
    options = {o["value"]: o.get("label", o["value"]) for o in definition.options} if definition else {}

    def label(key: str | None) -> str:
        if definition is None:
            return ""
        if key is None or key == "":
            return NO_VALUE
        if definition.data_type == "bool":
            return {"true": "Yes", "false": "No"}.get(key, key)
        return options.get(key, key)

    return label, list(options)


def _bucket_label(bucket: str, day) -> str:
    if day is None:
        return "" if bucket == Report.Bucket.NONE else NO_VALUE
    if bucket == Report.Bucket.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if bucket == Report.Bucket.MONTH:
        return f"{day:%Y-%m}"
    if bucket == Report.Bucket.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return day.isoformat()


def report_run(*, viewer: User, report: Report, export: bool = False) -> Result:
    """The report as `viewer` may see it (the rule in this module's docstring). Raises
    PermissionDenied when it can't be computed for them, ValidationError for a filter that no
    longer fits the schema."""
    query = query_open(object_type=report.object_type, stored=report.filters, holder="report", holder_id=report.pk)
    measured = report.measure_property if report.measure != Report.Measure.COUNT else None
    used = sensitive_used(object_type=report.object_type, query=query, definitions=[measured, report.group_by])
    result = Result(report=report, minimum=settings.REPORTS_SMALL_GROUP_MIN, sensitive=used, runner=viewer)
    if used and not aggregate_permitted(viewer, used):
        owner = report.created_by
        if owner is None or not owner.is_active or not aggregate_permitted(owner, used):
            names = ", ".join(f"{d.label} ({d.name})" for d in used)
            raise PermissionDenied(
                f"This report uses {names}: you may not view it, and its owner can't either any more. "
                "Someone who may view it has to save the report again."
            )
        result.runner, result.hidden = owner, True
    records = record_selectors.record_list(
        actor=result.runner, object_type=report.object_type, filters=query, purpose="report"
    )
    if result.hidden:  # the owner's view of the records, limited to those the viewer may see too
        seen = record_selectors.record_list(actor=viewer, object_type=report.object_type)
        records = records.filter(pk__in=seen.order_by().values("pk"))
    if report.list_id is not None:
        records = records.filter(list_memberships__list_id=report.list_id)
    groups = records_aggregate(
        actor=result.runner,
        records=records,
        measure=report.measure,
        measure_property=measured,
        group_by=report.group_by,
        bucket=report.bucket,
        bucket_property=report.bucket_property,
        details={"report": str(report.pk)},
    )
    if used:
        audit_services.event_record(
            kind=AuditEvent.Kind.REPORT_RUN,
            actor=viewer,
            object_type=report.object_type.name,
            property_names=[d.name for d in used],
            details={
                "report": str(report.pk),
                "ran_as": str(result.runner.pk),
                "small_groups_hidden": result.hidden,
                "groups": len(groups),
                "export": export,
            },
        )
    result.rows = _rows(report, groups, result)
    return result


def _rows(report: Report, groups: list[Group], result: Result) -> list[Row]:
    label, order = _label_of(report)
    position = {key: i for i, key in enumerate(order)}

    def sort_key(group: Group):
        return (
            group.bucket is None,
            group.bucket or 0,
            group.key is None,
            position.get(group.key, len(position)),
            group.key or "",
        )

    rows = []
    for group in sorted(groups, key=sort_key):
        hide = result.hidden and group.count < result.minimum
        rows.append(
            Row(
                group=label(group.key),
                bucket=_bucket_label(report.bucket, group.bucket),
                count=None if hide else group.count,
                value=None if hide else group.value,
                key=group.key,
                day=group.bucket,
            )
        )
    return rows
