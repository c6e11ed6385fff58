"""Reports: an aggregate (count, sum, average, min, max) of the records of one type, or of a
list's members, grouped by a property and a time bucket, shown as a chart beside its table.

A report's filter is stored as a list's is: HubSpot's filterGroups JSON with the values of every
filter on a sensitive property sealed to the report (crm/records/filters/stored.py). No plaintext
sensitive value is ever in `filters`, and no result is stored: a report is computed when opened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TenantScopedModel


class Report(TenantScopedModel):
    class Measure(models.TextChoices):
        COUNT = "count", "Count of records"
        SUM = "sum", "Sum"
        AVG = "avg", "Average"
        MIN = "min", "Minimum"
        MAX = "max", "Maximum"

    class Bucket(models.TextChoices):
        NONE = "none", "No time bucket"
        DAY = "day", "Day"
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"

    class Chart(models.TextChoices):
        BAR = "bar", "Bar"
        LINE = "line", "Line"
        PIE = "pie", "Pie"

    name = models.CharField(max_length=255)
    object_type = models.ForeignKey("crm.ObjectType", on_delete=models.CASCADE, related_name="reports")
    list = models.ForeignKey("workflows.List", null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    filters = models.JSONField(default=dict, blank=True)  # {"filterGroups": [...]}, sensitive values sealed
    measure = models.CharField(max_length=10, choices=Measure.choices, default=Measure.COUNT)
    measure_property = models.ForeignKey(
        "crm.PropertyDefinition", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group_by = models.ForeignKey(
        "crm.PropertyDefinition", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bucket = models.CharField(max_length=10, choices=Bucket.choices, default=Bucket.NONE)
    bucket_property = models.ForeignKey(  # None: the records' creation time
        "crm.PropertyDefinition", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    chart = models.CharField(max_length=10, choices=Chart.choices, default=Chart.BAR)
    # The one who last saved it: a viewer without the grants sees it computed as this user.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="report_name_unique_in_tenant")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
