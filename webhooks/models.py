"""Webhooks of private apps, as HubSpot's webhooks API has them: one settings row per app (target URL,
signing secret, concurrency), its subscriptions, and the deliveries (one signed POST each, holding
up to a batch of events).

A delivery's payload holds ids, property names and non-sensitive values only: a sensitive
property's value is the string "REDACTED" and is never read (webhooks.events).
"""

from __future__ import annotations

from django.db import models

from accounts.models import PrivateApp
from core.models import TenantScopedModel


class WebhookSettings(TenantScopedModel):
    """Where an app's events go and how they are signed.

    `secret_sealed` is the app's client secret encrypted with the master key (AES-256-GCM, bound to
    the app's id, webhooks.secrets): signing needs the secret itself, so a hash would not do, and
    the master key never lives in the database.
    """

    app = models.OneToOneField(PrivateApp, on_delete=models.CASCADE, related_name="webhook_settings")
    number = models.BigIntegerField(unique=True, help_text="The appId of the events.")
    target_url = models.URLField(max_length=500, blank=True)
    secret_sealed = models.BinaryField(default=b"", editable=False)
    secret_ref = models.CharField(max_length=300, blank=True, editable=False, help_text="Which master key sealed it.")
    secret_hint = models.CharField(max_length=12, blank=True, editable=False, help_text="The secret's last characters.")
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    max_concurrent_requests = models.PositiveIntegerField(default=10)
    batch_size = models.PositiveIntegerField(default=100, help_text="Events per request, at most 100 as HubSpot's.")
    paused = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Webhooks of {self.app_id}"


class Subscription(TenantScopedModel):
    class EventType(models.TextChoices):
        CREATION = "creation", "Created"
        DELETION = "deletion", "Deleted or archived"
        PROPERTY_CHANGE = "propertyChange", "Property changed"

    app = models.ForeignKey(PrivateApp, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    number = models.BigIntegerField(unique=True, help_text="The subscriptionId of its events.")
    object_type = models.ForeignKey("crm.ObjectType", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    property_name = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "object_type", "event_type", "property_name"], name="webhook_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.property_name}".strip()


class Delivery(TenantScopedModel):
    """One signed POST of a batch of events, tried until it is delivered or out of attempts.

    `status` moves pending -> sending (claimed by one worker) -> delivered | pending (again, with
    `next_attempt_at`) | failed. `last_error` names what went wrong (a status, a timeout), never a body.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    app = models.ForeignKey(PrivateApp, on_delete=models.CASCADE, related_name="webhook_deliveries")
    number = models.BigIntegerField(unique=True)
    # The change and batch it came from: a task run twice makes no second delivery of them.
    source_key = models.CharField(max_length=80, editable=False)
    payload = models.JSONField(default=list, help_text="The events, without attemptNumber (added when sent).")
    event_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    last_seconds = models.FloatField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        constraints = [models.UniqueConstraint(fields=["app", "source_key"], name="webhook_delivery_once")]

    def __str__(self) -> str:
        return f"Delivery {self.number}"
