"""Reports: create, change, delete.

A report is checked for the one who saves it: its properties must exist and fit their role (a sum
over a number, a bucket over a date, a group by a choice or text), a sensitive one needs the view
permission, and a highly sensitive one is refused (crm/records/aggregates.py; its filter as a
list's, crm/records/filters/stored.py). The one who saves it becomes its owner, as whom viewers
without the grants see it computed (reports/selectors.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import ObjectType, PropertyDefinition
from crm.records.aggregates import CREATED_AT, aggregate_clean
from crm.records.filters import FilterQuery
from crm.records.filters.stored import query_check, query_open, query_seal
from crm.selectors import property_definitions_by_name
from reports.models import Report
from workflows.models import List

HOLDER = "report"  # sealed filter values are bound to (HOLDER, report id, property)
MAX_NAME = 255


@dataclass
class ReportSpec:
    """What a report computes, as a form or the API gives it: property internal names."""

    name: str
    object_type: ObjectType | None = None
    the_list: List | None = None
    measure: str = Report.Measure.COUNT
    measure_property: str = ""
    group_by: str = ""
    bucket: str = Report.Bucket.NONE
    bucket_property: str = ""
    chart: str = Report.Chart.BAR
    filters: FilterQuery | None = None


def _name_clean(actor: User, name: str, current: Report | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A report needs a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A report's name has at most {MAX_NAME} characters."})
    taken = Report.objects.for_tenant(actor.tenant_id).filter(name__iexact=name)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if taken.exists():
        raise ValidationError({"name": f"There is already a report named {name!r}."})
    return name


def _property(definitions: dict, object_type: ObjectType, field: str, name: str, errors: dict):
    name = (name or "").strip()
    if not name or (field == "bucket_property" and name == CREATED_AT):
        return None
    found = definitions.get(name)
    if found is None:
        errors[field] = f"{object_type.label_plural} have no property named {name[:63]!r}."
    return found


def _apply(actor: User, report: Report, spec: ReportSpec) -> None:
    """Fills `report` from `spec`, or raises ValidationError / PermissionDenied (FilterRefused)."""
    errors = {}
    report.name = _name_clean(actor, spec.name, report if report.pk and not report._state.adding else None)
    if spec.the_list is not None:
        if spec.the_list.tenant_id != actor.tenant_id:
            raise ValidationError({"list": "There is no such list."})
        spec.object_type = spec.the_list.object_type
    if spec.object_type is None or spec.object_type.tenant_id != actor.tenant_id:
        raise ValidationError({"object_type": "Choose an object type or a list."})
    if spec.chart not in Report.Chart.values:
        errors["chart"] = "A chart is a bar, line or pie chart."
    definitions: dict[str, PropertyDefinition] = property_definitions_by_name(object_type=spec.object_type)
    measured = _property(definitions, spec.object_type, "measure_property", spec.measure_property, errors)
    group_by = _property(definitions, spec.object_type, "group_by", spec.group_by, errors)
    bucket_property = _property(definitions, spec.object_type, "bucket_property", spec.bucket_property, errors)
    if errors:
        raise ValidationError(errors)
    if spec.measure == Report.Measure.COUNT:
        measured = None
    aggregate_clean(
        actor=actor,
        measure=spec.measure,
        measure_property=measured,
        group_by=group_by,
        bucket=spec.bucket,
        bucket_property=bucket_property,
    )
    if spec.bucket == Report.Bucket.NONE:
        bucket_property = None
    report.object_type, report.list = spec.object_type, spec.the_list
    report.measure, report.measure_property, report.group_by = spec.measure, measured, group_by
    report.bucket, report.bucket_property, report.chart = spec.bucket, bucket_property, spec.chart
    if spec.filters is not None:
        query_check(actor=actor, object_type=spec.object_type, query=spec.filters, use="reports")
        report.filters = query_seal(
            object_type=spec.object_type, query=spec.filters, holder=HOLDER, holder_id=report.pk
        )
    elif report.filters:  # kept: the new owner must be allowed to use it too
        kept = query_open(object_type=spec.object_type, stored=report.filters, holder=HOLDER, holder_id=report.pk)
        query_check(actor=actor, object_type=spec.object_type, query=kept, use="reports")
    report.created_by = actor


def _event(kind: str, actor: User, report: Report, **details) -> None:
    names = [d.name for d in (report.measure_property, report.group_by, report.bucket_property) if d is not None]
    names += [f.get("propertyName", "") for g in report.filters.get("filterGroups", []) for f in g.get("filters", [])]
    audit_services.event_record(
        kind=kind,
        actor=actor,
        object_type=report.object_type.name,
        property_names=names,
        details={"report": str(report.pk), **details},
    )


@transaction.atomic
def report_create(*, actor: User, spec: ReportSpec) -> Report:
    report = Report(tenant_id=actor.tenant_id)
    _apply(actor, report, spec)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same name saved meanwhile
        raise ValidationError({"name": f"There is already a report named {report.name!r}."}) from None
    _event(AuditEvent.Kind.REPORT_CREATED, actor, report)
    return report


@transaction.atomic
def report_update(*, actor: User, report: Report, spec: ReportSpec) -> Report:
    """Replaces what the report computes; `spec.filters` None keeps its filter. The one who saves
    it becomes its owner."""
    _apply(actor, report, spec)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError({"name": f"There is already a report named {report.name!r}."}) from None
    _event(AuditEvent.Kind.REPORT_CHANGED, actor, report, filters_changed=spec.filters is not None)
    return report


@transaction.atomic
def report_delete(*, actor: User, report: Report) -> None:
    """Its owner or a super admin deletes a report; colleagues may change it (and own it then)."""
    if report.created_by_id != actor.pk and not actor.is_super_admin:
        raise PermissionDenied("Only the report's owner or a super admin can delete it.")
    _event(AuditEvent.Kind.REPORT_DELETED, actor, report)
    report.delete()
