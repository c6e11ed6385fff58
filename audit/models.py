from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """An access, change or security event. Never holds a sensitive value, nor its ciphertext.

    Events are append-only: the model refuses updates and deletes.
    """

    class Kind(models.TextChoices):
        SENSITIVE_READ = "sensitive.read", "Read sensitive values"
        SENSITIVE_REVEAL = "sensitive.reveal", "Revealed a highly sensitive value"
        SENSITIVE_WRITE = "sensitive.write", "Changed sensitive values"
        SENSITIVITY_CHANGED = "property.sensitivity_changed", "Changed a property's sensitivity"
        TENANT_KEY_ROTATED = "key.tenant_rotated", "Rotated a tenant key"
        MASTER_KEY_ROTATED = "key.master_rotated", "Rotated the master key"
        TENANT_KEYS_SHREDDED = "key.tenant_shredded", "Destroyed a tenant's keys"
        GRANT_ADDED = "grant.added", "Granted access to a sensitive property"
        GRANT_REMOVED = "grant.removed", "Revoked access to a sensitive property"
        SUPER_ADMIN_ADDED = "super_admin.added", "Made a user super admin"
        SUPER_ADMIN_REMOVED = "super_admin.removed", "Removed a super admin"
        TEAM_MEMBER_ADDED = "team.member_added", "Added a user to a team"
        TEAM_MEMBER_REMOVED = "team.member_removed", "Removed a user from a team"
        RECORD_SCOPE_CHANGED = "record_scope.changed", "Changed which records a user sees"

    class Surface(models.TextChoices):
        UI = "ui", "Staff UI"
        ADMIN = "admin", "Admin"
        API = "api", "API"
        IMPORT = "import", "Import"
        WORKFLOW = "workflow", "Workflow"
        SYSTEM = "system", "System"

    tenant = models.ForeignKey("accounts.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    surface = models.CharField(max_length=20, choices=Surface.choices, default=Surface.SYSTEM)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=63, blank=True)
    record_ids = models.JSONField(default=list, blank=True)
    property_names = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "kind", "-created_at"], name="audit_tenant_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_email or 'system'}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are never deleted.")
