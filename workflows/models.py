"""Lists (HubSpot's segments): static ones hold the records added to them, active ones the records
that meet their filter, rebuilt by Celery workers (workflows/building.py).

A list's filter is stored as HubSpot's filterGroups JSON, except that the values of a filter on a
sensitive property (or on a sensitive property of associated records) are sealed: encrypted under
the tenant's key and bound to the list and the property (crm/records/filters/stored.py). No
plaintext sensitive value is ever in `filters`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TenantScopedModel
from core.numbers import numbers_next


class List(TenantScopedModel):
    class Kind(models.TextChoices):
        STATIC = "static", "Static"  # HubSpot's MANUAL (and SNAPSHOT)
        ACTIVE = "active", "Active"  # HubSpot's DYNAMIC

    class Status(models.TextChoices):
        IDLE = "idle", "Idle"
        BUILDING = "building", "Building"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    number = models.BigIntegerField(unique=True, editable=False)  # the REST API's listId
    object_type = models.ForeignKey("crm.ObjectType", on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STATIC)
    filters = models.JSONField(default=dict, blank=True)  # {"filterGroups": [...]}, sensitive values sealed
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The active list's build: builds are numbered so that a chunk of an older build writes nothing.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IDLE)
    build = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    member_count = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)  # members found so far by the running build
    last_built_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)  # names a rule or an exception type, never a value

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="list_name_unique_in_tenant")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.number is None:
            self.number = numbers_next(1)[0]
        super().save(*args, **kwargs)

    @property
    def progress(self) -> int:
        """Percent of the build's chunks done."""
        return 100 if not self.chunks_total else round(100 * self.chunks_done / self.chunks_total)


class ListMembership(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        FILTER = "filter", "Met the filter"
        API = "api", "Added through the API"
        IMPORT = "import", "Imported"
        WORKFLOW = "workflow", "Added by a workflow"

    id = models.BigAutoField(primary_key=True)
    list = models.ForeignKey(List, on_delete=models.CASCADE, related_name="memberships")
    record = models.ForeignKey("crm.Record", on_delete=models.CASCADE, related_name="list_memberships")
    added_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    build = models.PositiveIntegerField(default=0)  # the build that last found it (active lists)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["list", "record"], name="list_membership_unique")]
        indexes = [models.Index(fields=["list", "build"], name="list_membership_build_idx")]

    def __str__(self) -> str:
        return f"{self.list_id}: {self.record_id}"


class ListBuildChunk(models.Model):
    """One chunk of a build: the records numbered low..high. Marked done in the transaction that
    writes its memberships, so a chunk delivered twice (acks_late, a worker killed) counts once."""

    id = models.BigAutoField(primary_key=True)
    list = models.ForeignKey(List, on_delete=models.CASCADE, related_name="chunks")
    build = models.PositiveIntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)
    matched = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["list", "build", "low"], name="list_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.list_id} build {self.build}: {self.low}..{self.high}"
