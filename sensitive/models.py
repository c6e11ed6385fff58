from __future__ import annotations

from django.db import models


class TenantKeyset(models.Model):
    """A tenant's AEAD and PRF keysets, stored only wrapped by the master key (envelope encryption).

    `version` changes on every change of the keysets, so that each process can tell, with one
    small query per call, that the keys it holds in memory are stale. This row is the tenant's
    sensitive state: it also carries `grants_version` for the cached permission grants.
    """

    tenant = models.OneToOneField("accounts.Tenant", on_delete=models.CASCADE, primary_key=True, related_name="+")
    aead_keyset = models.BinaryField(editable=False)
    prf_keyset = models.BinaryField(editable=False)
    # Which master key wrapped the keysets: "file:<key id>" or the KMS key URI.
    kek_ref = models.CharField(max_length=500, editable=False)
    version = models.PositiveIntegerField(default=1)
    # Bumped on every change of who may see sensitive values (grants, teams, super admins), so the
    # same one query per call also tells a process that its cached grants are stale.
    grants_version = models.PositiveIntegerField(default=1)
    primary_key_id = models.BigIntegerField(help_text="Tink id of the AEAD primary key: new values use it.")
    pending_key_id = models.BigIntegerField(null=True, blank=True, help_text="Added by a rotation, not yet primary.")
    pending_since = models.DateTimeField(null=True, blank=True)
    # When a blind index (PRF) key rotation made its new key primary; cleared when it ends.
    reindex_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Keys of {self.tenant_id}"


class SensitiveValue(models.Model):
    """One encrypted value of one sensitive property of one record.

    The ciphertext is bound (associated data) to tenant, object type, record and property,
    so it fails to decrypt anywhere else. `key_id` is the Tink key id from the ciphertext's
    prefix, kept in a column so a rotation can tell the values still on an old key; it walks a
    tenant's values in id order (the tenant, id index) and skips those on the new key. No index on
    `key_id`: it would be rewritten by every re-encryption and serve only the rotation's counts.
    On PostgreSQL the table leaves half of each page free (migration 0004), so that re-encryption
    updates rows in place without touching any index.
    """

    # No single-column indexes: the composite ones below lead with each of these columns, and every
    # extra index is paid on each insert and each re-encryption.
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    record = models.ForeignKey("crm.Record", on_delete=models.CASCADE, related_name="sensitive_values", db_index=False)
    property = models.ForeignKey("crm.PropertyDefinition", on_delete=models.CASCADE, related_name="+", db_index=False)
    ciphertext = models.BinaryField()
    key_id = models.BigIntegerField()
    # Truncated keyed HMAC of the normalised value, for equality filters (searchable properties only).
    blind_index = models.IntegerField(null=True, blank=True)
    # Tink id of the PRF key that made `blind_index`: a blind index key rotation re-indexes the others.
    blind_key_id = models.BigIntegerField(null=True, blank=True)
    # The record's number (never changes), copied so that a list build's chunk (a range of numbers)
    # finds its blind index matches by one index range instead of a lookup per record.
    record_number = models.BigIntegerField(editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "property"], name="one_sensitive_value_per_property"),
        ]
        indexes = [
            models.Index(fields=["property", "blind_index", "record_number"], name="sensitive_blind_number_idx"),
            models.Index(fields=["tenant", "id"], name="sensitive_tenant_id_idx"),
        ]

    def __str__(self) -> str:
        # Never the value, never the ciphertext.
        return f"Sensitive value of {self.property_id} on {self.record_id}"
