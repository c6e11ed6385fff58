"""A report's result as a CSV file and as the chart's data (static/js/report_chart.js).

CSV cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) get a leading apostrophe (OWASP's advice on CSV injection). A hidden group's count is the
words "fewer than N", and its measure is left empty, in the file as on the page.
"""

from __future__ import annotations

import csv
import io
import re

from reports.models import Report
from reports.selectors import Result

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0")


def csv_of(result: Result) -> str:
    report = result.report
    out = io.StringIO()
    writer = csv.writer(out)
    header = []
    if report.group_by_id:
        header.append(report.group_by.label)
    if report.bucket != Report.Bucket.NONE:
        header.append(report.get_bucket_display())
    header.append("Count")
    if report.measure != Report.Measure.COUNT:
        header.append(f"{report.get_measure_display()} of {report.measure_property.label}")
    writer.writerow([cell(h) for h in header])
    for row in result.rows:
        line = []
        if report.group_by_id:
            line.append(row.group)
        if report.bucket != Report.Bucket.NONE:
            line.append(row.bucket)
        line.append(result.small if row.count is None else row.count)
        if report.measure != Report.Measure.COUNT:
            line.append(_number(row.value))
        writer.writerow([cell(v) for v in line])
    return out.getvalue()


def file_name(report: Report) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", report.name).strip("-") or "report")[:80] + ".csv"


def chart_data(result: Result) -> dict:
    """Labels and datasets for Chart.js: buckets along the axis and one dataset per group when the
    report has both, else one dataset. A hidden group is null (not drawn)."""
    report, rows = result.report, result.rows
    label = "Count" if report.measure == Report.Measure.COUNT else report.get_measure_display()

    def value(row):
        return row.value if row.count is not None else None

    if report.group_by_id and report.bucket != Report.Bucket.NONE:
        buckets = list(dict.fromkeys(row.bucket for row in rows))
        groups = list(dict.fromkeys(row.group for row in rows))
        at = {(row.bucket, row.group): value(row) for row in rows}
        datasets = [{"label": g, "data": [at.get((b, g)) for b in buckets]} for g in groups]
        return {"kind": report.chart, "labels": buckets, "datasets": datasets}
    labels = [row.group or row.bucket or label for row in rows]
    return {"kind": report.chart, "labels": labels, "datasets": [{"label": label, "data": [value(r) for r in rows]}]}
