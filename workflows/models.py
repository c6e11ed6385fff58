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


# Workflows (workflows/automation/): a trigger, enrolment conditions and ordered actions, run by
# Celery workers step by step. Conditions are stored as lists' filters are (sensitive values
# sealed to the workflow); `actions` holds no plaintext sensitive value either (a literal value of
# a sensitive property is sealed the same way).


class Workflow(TenantScopedModel):
    class Trigger(models.TextChoices):
        CREATED = "record_created", "A record is created"
        CHANGED = "property_changed", "A property changes"
        LIST_ADDED = "list_added", "A record is added to a list"
        FORM = "form_submitted", "A form is submitted"
        DATE = "date_reached", "A date property is reached"
        SCHEDULE = "schedule", "On a schedule"

    number = models.BigIntegerField(unique=True, editable=False)
    object_type = models.ForeignKey("crm.ObjectType", on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=255)
    enabled = models.BooleanField(default=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    # property (changed), list (number), form (id), property + offset_days (date), every_minutes or cron (schedule)
    trigger_config = models.JSONField(default=dict, blank=True)
    conditions = models.JSONField(default=dict, blank=True)  # {"filterGroups": [...]}, sensitive values sealed
    actions = models.JSONField(default=list, blank=True)  # ordered [{"type": ..., ...}], see automation/definition.py
    # Run-time guard against loops the save-time check can't see: enrolments of one record per hour.
    enrolment_cap_per_hour = models.PositiveIntegerField(default=10)
    webhook_secret = models.CharField(max_length=64, blank=True)  # signs this workflow's webhook calls
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="workflow_name_unique_in_tenant")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.number is None:
            self.number = numbers_next(1)[0]
        super().save(*args, **kwargs)


class Enrolment(models.Model):
    """One record going through a workflow once. `event` keys the trigger's event, so an enrolment
    task delivered twice enrols once."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CAPPED = "capped", "Not enrolled: re-enrolment cap reached"

    id = models.BigAutoField(primary_key=True)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="enrolments")
    record = models.ForeignKey("crm.Record", null=True, on_delete=models.SET_NULL, related_name="enrolments")
    record_number = models.BigIntegerField()  # kept when the record is deleted
    event = models.CharField(max_length=80)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    step = models.PositiveIntegerField(default=0)  # the next step to run (0-based)
    wake_at = models.DateTimeField(null=True, blank=True)  # a waiting enrolment's next run
    error = models.CharField(max_length=255, blank=True)  # names a step, a property, a rule; never a value
    started_at = models.DateTimeField(auto_now_add=True)
    touched_at = models.DateTimeField(auto_now=True)  # a running enrolment untouched for long lost its message
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "record_number", "event"], name="enrolment_once")]
        indexes = [
            models.Index(fields=["workflow", "record_number", "started_at"], name="enrolment_record_idx"),
            models.Index(fields=["status", "wake_at"], name="enrolment_wake_idx"),
        ]
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.workflow_id}: {self.record_number} ({self.status})"


class StepExecution(models.Model):
    """One step of one enrolment, claimed by its key before its action runs: a step task delivered
    twice finds it done and does not repeat the action."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting"
        RETRYING = "retrying", "Failed, will retry"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.BigAutoField(primary_key=True)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField()
    key = models.CharField(max_length=80, unique=True)  # "<enrolment id>:<step index>"
    action = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    attempts = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=255, blank=True)  # what was done: names and numbers, never a value
    error = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "index"]

    def __str__(self) -> str:
        return self.key


class WorkflowTask(TenantScopedModel):
    """A to-do a workflow created for an owner (the CRM has no task object type yet)."""

    workflow = models.ForeignKey(Workflow, null=True, on_delete=models.SET_NULL, related_name="tasks")
    record = models.ForeignKey("crm.Record", null=True, on_delete=models.SET_NULL, related_name="workflow_tasks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=255)
    due_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on", "created_at"]

    def __str__(self) -> str:
        return self.title
