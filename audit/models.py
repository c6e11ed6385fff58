from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"


class AuditQuerySet(models.QuerySet):
    """Events are never changed or deleted by the application; only the archiver removes old ones."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are never changed.")

    def delete(self):
        raise PermissionError("Audit events are never deleted; old ones are archived (audit_archive).")


class AuditEvent(models.Model):
    """An access, change or security event. Never holds a sensitive value, nor its ciphertext.

    The events of one tenant form a hash chain (audit.chain): each stores a keyed MAC (HMAC-SHA256,
    under the chain's key, see AuditChainKey) of its own content when it is written, and the sealer
    (audit.sealing) then gives it its place: a seq and a keyed link over the link before it. So a
    changed, removed or reordered event breaks the chain (`manage.py audit_verify`), and someone
    who can write to the database but has no master key cannot forge new links.
    Events made before the keys came are plain SHA-256 links (up to the key's legacy_seq).
    """

    class Kind(models.TextChoices):
        SENSITIVE_READ = "sensitive.read", "Read sensitive values"
        SENSITIVE_REVEAL = "sensitive.reveal", "Revealed a highly sensitive value"
        SENSITIVE_WRITE = "sensitive.write", "Changed sensitive values"
        SENSITIVE_EXPORT = "sensitive.export", "Exported sensitive values"
        RECORD_CREATED = "record.created", "Created records"
        RECORD_UPDATED = "record.updated", "Changed a record"
        RECORD_DELETED = "record.deleted", "Deleted a record"
        ASSOCIATION_CREATED = "association.created", "Linked records"
        ASSOCIATION_DELETED = "association.deleted", "Unlinked two records"
        PROPERTY_CREATED = "property.created", "Created a property"
        SENSITIVITY_CHANGED = "property.sensitivity_changed", "Changed a property's sensitivity"
        VALUES_MOVE_FAILED = "property.values_move_failed", "Moving a property's values failed"
        VALUES_MOVE_RESUMED = "property.values_move_resumed", "Resumed moving a property's values"
        OBJECT_TYPE_CREATED = "object_type.created", "Created an object type"
        TENANT_CREATED = "tenant.created", "Created a tenant"
        TENANT_SETTINGS_CHANGED = "tenant.settings_changed", "Changed tenant settings"
        USER_CREATED = "user.created", "Created a user"
        USER_CHANGED = "user.changed", "Changed a user's name or email"
        USER_DEACTIVATED = "user.deactivated", "Deactivated a user"
        USER_REACTIVATED = "user.reactivated", "Reactivated a user"
        TEAM_CREATED = "team.created", "Created a team"
        TEAM_MEMBER_ADDED = "team.member_added", "Added a user to a team"
        TEAM_MEMBER_REMOVED = "team.member_removed", "Removed a user from a team"
        TEAM_RENAMED = "team.renamed", "Renamed a team"
        TEAM_DELETED = "team.deleted", "Deleted a team"
        GRANT_ADDED = "grant.added", "Granted access to a sensitive property"
        GRANT_REMOVED = "grant.removed", "Revoked access to a sensitive property"
        SUPER_ADMIN_ADDED = "super_admin.added", "Made a user super admin"
        SUPER_ADMIN_REMOVED = "super_admin.removed", "Removed a super admin"
        RECORD_SCOPE_CHANGED = "record_scope.changed", "Changed which records a user sees"
        TENANT_KEY_ROTATED = "key.tenant_rotated", "Rotated a tenant key"
        MASTER_KEY_ROTATED = "key.master_rotated", "Rotated the master key"
        TENANT_KEYS_SHREDDED = "key.tenant_shredded", "Destroyed a tenant's keys"
        SIGN_IN = "auth.sign_in", "Signed in with a password"
        SIGN_IN_FAILED = "auth.sign_in_failed", "Failed to sign in"
        SIGN_OUT = "auth.sign_out", "Signed out"
        TIMED_OUT = "auth.timed_out", "Signed out for inactivity or session age"
        LOCKED_OUT = "auth.locked_out", "Locked out after repeated failures"
        MFA_VERIFIED = "auth.mfa_verified", "Passed the second factor"
        MFA_FAILED = "auth.mfa_failed", "Gave a wrong second-factor code"
        MFA_ENROLLED = "auth.mfa_enrolled", "Added an MFA device"
        MFA_REMOVED = "auth.mfa_removed", "Removed an MFA device"
        MFA_RESET = "auth.mfa_reset", "Reset another user's MFA"
        BACKUP_CODES_CREATED = "auth.backup_codes_created", "Created new backup codes"
        SUDO_CONFIRMED = "auth.sudo_confirmed", "Confirmed identity for a dangerous action"
        SUDO_FAILED = "auth.sudo_failed", "Failed to confirm identity"
        INVITATION_SENT = "auth.invitation_sent", "Sent an invitation to set a password"
        INVITATION_ACCEPTED = "auth.invitation_accepted", "Set a password through an invitation"
        PASSWORD_CHANGED = "auth.password_changed", "Changed their password"
        APP_CREATED = "api.app_created", "Created a private app"
        APP_CHANGED = "api.app_changed", "Changed a private app's scopes or limits"
        APP_TOKEN_ROTATED = "api.app_token_rotated", "Rotated a private app's token"
        APP_REVOKED = "api.app_revoked", "Revoked a private app"
        APP_TOKEN_REFUSED = "api.token_refused", "Refused an API token"
        WEBHOOKS_CHANGED = "webhooks.changed", "Changed a private app's webhook settings or subscriptions"
        WEBHOOKS_SECRET_ROTATED = "webhooks.secret_rotated", "Made a new webhook secret for a private app"
        LIST_CREATED = "list.created", "Created a list"
        LIST_CHANGED = "list.changed", "Changed a list's name or filter"
        LIST_DELETED = "list.deleted", "Deleted a list"
        WORKFLOW_CREATED = "workflow.created", "Created a workflow"
        WORKFLOW_CHANGED = "workflow.changed", "Changed a workflow"
        WORKFLOW_DELETED = "workflow.deleted", "Deleted a workflow"
        REPORT_CREATED = "report.created", "Created a report"
        REPORT_CHANGED = "report.changed", "Changed a report"
        REPORT_DELETED = "report.deleted", "Deleted a report"
        REPORT_RUN = "report.run", "Ran a report over sensitive properties"
        AUDIT_EXPORTED = "audit.exported", "Exported audit events"
        AUDIT_ARCHIVED = "audit.archived", "Archived old audit events"
        AUDIT_VERIFIED = "audit.verified", "Verified the audit chain: intact"
        AUDIT_CHAIN_BROKEN = "audit.chain_broken", "Found the audit chain broken"

    class Surface(models.TextChoices):
        UI = "ui", "Staff UI"
        ADMIN = "admin", "Admin"
        API = "api", "API"
        IMPORT = "import", "Import"
        WORKFLOW = "workflow", "Workflow"
        SYSTEM = "system", "System"

    id = models.BigAutoField(primary_key=True)
    chain = models.CharField(max_length=40, editable=False, help_text="The tenant's id, or 'platform'.")
    # The event's place in its chain, given by the sealer (audit.sealing): empty until sealed.
    seq = models.BigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The keyed MAC of the event's own content, made when it is written ("" on events from before).
    mac = models.CharField(max_length=64, blank=True, default="", editable=False)
    tenant = models.ForeignKey("accounts.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    surface = models.CharField(max_length=20, choices=Surface.choices, default=Surface.SYSTEM)
    # Text, not GenericIPAddressField: the database must hand back exactly what was hashed.
    ip_address = models.CharField(max_length=45, blank=True)
    object_type = models.CharField(max_length=200, blank=True)
    record_ids = models.JSONField(default=list, blank=True)
    property_names = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [
            # The sealer's work list: small, since events are sealed within seconds.
            models.Index(fields=["chain", "id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)),
            models.Index(fields=["tenant", "-created_at"], name="audit_tenant_time_idx"),
            models.Index(fields=["tenant", "kind", "-created_at"], name="audit_tenant_kind_idx"),
            models.Index(fields=["tenant", "actor", "-created_at"], name="audit_tenant_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_email or 'system'}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are never deleted; old ones are archived (audit_archive).")


class AuditEventRecord(models.Model):
    """Which records an event concerns, one row each: "who accessed this record" is an index lookup.

    Derived from AuditEvent.record_ids (which the hash covers); written with the event.
    """

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(AuditEvent, on_delete=models.DO_NOTHING, related_name="record_links", db_constraint=False)
    record_id = models.UUIDField()

    objects = AuditQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["record_id", "-event"], name="audit_record_event_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} concerns {self.record_id}"


class AuditChainHead(models.Model):
    """The last sealed link of each chain; sealing locks this row, so a chain has one sealer at a time."""

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)
    # Events up to this seq were archived to a file; the first event left links to archived_hash.
    archived_seq = models.BigIntegerField(default=0)
    archived_hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"{self.chain} at {self.seq}"


class AuditChainKey(models.Model):
    """The MAC key of one chain (a tenant's, or the platform's), wrapped by the master key.

    `legacy_seq`: the events up to it were linked by plain SHA-256 before keys came; `seal` is
    the key's own MAC over the chain's name and that number, so that it cannot be moved on.
    Kept apart from the chain head: how events are appended (and the head locked) may change.
    """

    chain = models.CharField(max_length=40, primary_key=True)
    keyset = models.BinaryField(editable=False)
    kek_ref = models.CharField(max_length=300, editable=False)
    legacy_seq = models.BigIntegerField(default=0, editable=False)
    seal = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"MAC key of {self.chain}"


def chain_key(tenant_id: uuid.UUID | None) -> str:
    return str(tenant_id) if tenant_id else PLATFORM_CHAIN
