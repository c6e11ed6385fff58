from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from core.models import TenantQuerySet, TenantScopedModel
from core.numbers import numbers_next

internal_name_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,62}$",
    "Use lower-case letters, digits and underscores, starting with a letter (at most 63 characters).",
)


class ObjectType(TenantScopedModel):
    """Contacts, companies, deals, tickets (seeded for each tenant) and custom objects."""

    name = models.CharField(max_length=63, validators=[internal_name_validator])
    label_singular = models.CharField(max_length=100)
    label_plural = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    is_standard = models.BooleanField(default=False, editable=False)
    # Property names whose values, joined by spaces, name a record in lists and links.
    display_properties = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=100)
    # HubSpot's objectTypeId, which the REST API accepts for the name: "0-1" contacts, "0-2" companies,
    # "0-3" deals, "0-5" tickets; "2-<n>" for a custom type (n from the record number sequence).
    type_id = models.CharField(max_length=24, blank=True, editable=False, db_index=True)
    # HubSpot's secondaryDisplayProperties: shown beside a record's name, not part of it.
    secondary_display_properties = models.JSONField(default=list, blank=True)
    # HubSpot's associatedObjects of a custom schema: type ids ("0-1", "2-7") its records link to.
    associated_type_ids = models.JSONField(default=list, blank=True)
    # A custom type without records that the REST API archived (HubSpot's DELETE of a schema): gone
    # from every surface, its name still taken.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "label_plural"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="object_type_name_unique_in_tenant")]

    def __str__(self) -> str:
        return self.label_plural

    def save(self, *args, **kwargs) -> None:
        if not self.type_id:
            standard = STANDARD_TYPE_IDS.get(self.name) if self.is_standard else None
            self.type_id = standard or f"2-{numbers_next(1)[0]}"
        super().save(*args, **kwargs)


STANDARD_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "tickets": "0-5"}


class PropertyGroup(TenantScopedModel):
    """A heading properties of one object type are shown under (HubSpot's property groups).

    A property names its group by the group's label (`PropertyDefinition.group`), the heading the
    record pages show; `name` is the group's internal name, HubSpot's groupName.
    """

    object_type = models.ForeignKey(ObjectType, on_delete=models.CASCADE, related_name="property_groups")
    name = models.CharField(max_length=63, validators=[internal_name_validator])
    label = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["object_type", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "name"], name="property_group_name_unique"),
            models.UniqueConstraint(fields=["object_type", "label"], name="property_group_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class PropertyDefinition(TenantScopedModel):
    class DataType(models.TextChoices):
        STRING = "string", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        DATETIME = "datetime", "Date and time"
        BOOL = "bool", "Yes/no"
        ENUMERATION = "enumeration", "Choice from a list"
        FILE = "file", "File"

    class Sensitivity(models.TextChoices):
        NONE = "none", "Not sensitive"
        SENSITIVE = "sensitive", "Sensitive"
        HIGHLY_SENSITIVE = "highly_sensitive", "Highly sensitive"

    object_type = models.ForeignKey(ObjectType, on_delete=models.CASCADE, related_name="properties")
    name = models.CharField(max_length=63, validators=[internal_name_validator])
    label = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    # The label of its PropertyGroup (kept in step by crm/services), empty for none.
    group = models.CharField(max_length=100, blank=True, help_text="Heading the property is shown under.")
    data_type = models.CharField(max_length=20, choices=DataType.choices, default=DataType.STRING)
    # For enumerations: [{"value": "lead", "label": "Lead"}, ...] in display order.
    options = models.JSONField(default=list, blank=True)
    sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices, default=Sensitivity.NONE)
    searchable = models.BooleanField(
        default=False, help_text="Sensitive values get a blind index so equality filters need no decryption."
    )
    required = models.BooleanField(default=False)
    # HubSpot's hasUniqueValue: no two records of the type hold the same value, so the REST API can
    # look a record up by it (idProperty). Non-sensitive properties only.
    has_unique_value = models.BooleanField(default=False)
    # Set while a sensitivity change moves existing values into or out of ciphertext.
    values_moving = models.BooleanField(default=False, editable=False)
    # When that move last made progress, and when it last gave up after its retries (a sweep resumes it).
    values_move_progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    values_move_failed_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_standard = models.BooleanField(default=False, editable=False)
    position = models.PositiveIntegerField(default=100)
    # Archived through the REST API (HubSpot's DELETE of a property): left out of every surface, its
    # values kept (sensitive ones encrypted) and its name still taken.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["object_type", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "name"], name="property_name_unique_in_object_type"),
        ]
        # Object permissions (django-guardian) a super admin grants per sensitive property; edit implies view.
        permissions = [
            ("view_sensitive", "Can view the sensitive values of this property"),
            ("edit_sensitive", "Can view and edit the sensitive values of this property"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type.label_singular}: {self.label}"

    @property
    def is_sensitive(self) -> bool:
        return self.sensitivity != self.Sensitivity.NONE

    @property
    def is_highly_sensitive(self) -> bool:
        return self.sensitivity == self.Sensitivity.HIGHLY_SENSITIVE

    @property
    def option_values(self) -> list[str]:
        return [option["value"] for option in self.options]


def record_numbers_assign(records) -> None:
    """Give each record without a number its own from the sequence."""
    missing = [record for record in records if record.number is None]
    for record, number in zip(missing, numbers_next(len(missing)), strict=True):
        record.number = number


class RecordQuerySet(TenantQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        record_numbers_assign(objs)
        return super().bulk_create(objs, *args, **kwargs)


class Record(TenantScopedModel):
    """A contact, company, deal, ticket or custom object record.

    `id` (a UUID) is the internal key and the staff UI's; `number` is the numeric id the REST API
    shows as HubSpot does (`id`, `hs_object_id`), since integrations often store ids as integers.
    """

    number = models.BigIntegerField(unique=True, editable=False)
    object_type = models.ForeignKey(ObjectType, on_delete=models.PROTECT, related_name="records")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_records"
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    # Non-sensitive values only; sensitive values live in `sensitive`, encrypted (ARCHITECTURE.md rule 5).
    properties = models.JSONField(default=dict, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    # Set when the record is archived (HubSpot's soft delete, the staff UI's delete): every read of the
    # record layer leaves it out unless asked for archived records; record_delete removes it for good.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "object_type", "-created_at", "-id"], name="record_list_idx"),
            models.Index(fields=["tenant", "object_type", "display_name"], name="record_name_idx"),
            # Sorting by "last updated", and the home page's recent records.
            models.Index(fields=["tenant", "object_type", "-updated_at", "-id"], name="record_updated_idx"),
            # The REST API's lists: keyset pages by number.
            models.Index(fields=["tenant", "object_type", "number"], name="record_number_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or str(self.id)

    def save(self, *args, **kwargs) -> None:
        if self.number is None:
            record_numbers_assign([self])
        super().save(*args, **kwargs)


class RecordScope(TenantScopedModel):
    """Which records of one object type a user sees: all, their teams', or their own. Default: all."""

    class Scope(models.TextChoices):
        ALL = "all", "All records"
        TEAM = "team", "Records of their teams, and their own"
        OWNED = "owned", "Only their own records"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_scopes")
    object_type = models.ForeignKey(ObjectType, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "object_type"], name="one_scope_per_user_and_type")]

    def __str__(self) -> str:
        return f"{self.user} sees {self.get_scope_display().lower()} of {self.object_type}"


class Association(TenantScopedModel):
    """A typed link between two records, e.g. a contact and its company."""

    from_record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="associations_from")
    to_record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="associations_to")
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_record", "to_record", "label"], name="association_unique"),
            models.CheckConstraint(condition=~models.Q(from_record=models.F("to_record")), name="association_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_record} → {self.to_record}"


class Pipeline(TenantScopedModel):
    """Deal pipelines and ticket pipelines; their stages are the options of the stage property."""

    object_type = models.ForeignKey(ObjectType, on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=63, validators=[internal_name_validator])
    label = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["object_type", "position", "label"]
        constraints = [models.UniqueConstraint(fields=["object_type", "name"], name="pipeline_name_unique")]

    def __str__(self) -> str:
        return self.label


class PipelineStage(TenantScopedModel):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=63, validators=[internal_name_validator])
    label = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=100)
    probability = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True, help_text="Deals: chance of winning, 0 to 1."
    )
    is_closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique_in_pipeline")]

    def __str__(self) -> str:
        return self.label
