"""Key rotation and destruction: tenant keys, the master key, crypto-shredding.

Each operation is resumable: its progress is in the database (and, for the master key, in the
key file), so running it again after a kill carries on where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit import chain_keys
from audit import services as audit_services
from audit.models import AuditEvent
from core.db import rows_update_from
from core.exceptions import ApplicationError
from core.master_key import master_key_rotated
from crm.models import PropertyDefinition
from sensitive import crypto, keys
from sensitive.models import SensitiveValue, TenantKeyset

logger = logging.getLogger(__name__)
Progress = Callable[[int], None]
ROTATION_BATCH = 5_000


@dataclass
class RotationResult:
    reencrypted: int
    remaining: int
    finished: bool


def locked_keyset(tenant) -> TenantKeyset:
    keyset = TenantKeyset.objects.select_for_update().get(tenant=tenant)
    if keyset.destroyed_at:
        raise keys.TenantKeysDestroyed(f"The keys of {tenant} were destroyed; there is nothing to rotate.")
    return keyset


def values_to_rotate(tenant) -> int:
    """How many values a rotation started (or resumed) now will re-encrypt: for progress bars."""
    keyset = TenantKeyset.objects.get(tenant=tenant)
    values = SensitiveValue.objects.filter(tenant=tenant)
    if keyset.pending_key_id is not None:
        return values.exclude(key_id=keyset.pending_key_id).count()
    if len(keys.keyset_key_ids(keys.tenant_aead_handle(keyset))) > 1:
        return values.exclude(key_id=keyset.primary_key_id).count()
    return values.count()


def values_on_old_keys(tenant) -> int:
    keyset = TenantKeyset.objects.get(tenant=tenant)
    return SensitiveValue.objects.filter(tenant=tenant).exclude(key_id=keyset.primary_key_id).count()


def tenant_key_rotate(
    *,
    tenant,
    actor=None,
    batch_size: int = ROTATION_BATCH,
    max_batches: int | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RotationResult:
    """Rotate a tenant's AEAD key in Tink's safe order, then re-encrypt and retire the old key.

    1. add a new key, not yet primary (a rotation already under way is resumed instead);
    2. wait until every process has seen it (SENSITIVE_KEY_PROPAGATION_SECONDS), then make it primary;
    3. re-encrypt the values still on old keys, batch by batch, each batch committed;
    4. destroy the old keys once no value uses them.
    `max_batches` stops early (to spread the work, and for tests of a killed run).
    """
    with transaction.atomic():
        keyset = locked_keyset(tenant)
        handle = keys.tenant_aead_handle(keyset)
        if keyset.pending_key_id is None and len(keys.keyset_key_ids(handle)) == 1:
            handle, new_key_id = keys.keyset_add_key(handle)
            keys.tenant_keyset_store(
                keyset, aead_handle=handle, pending_key_id=new_key_id, pending_since=timezone.now()
            )
            logger.info("Tenant %s: added key %s; it becomes primary once every process has it.", tenant, new_key_id)
    keyset.refresh_from_db()
    if keyset.pending_key_id is not None:
        waited = (timezone.now() - keyset.pending_since).total_seconds()
        if waited < settings.SENSITIVE_KEY_PROPAGATION_SECONDS:
            sleep(settings.SENSITIVE_KEY_PROPAGATION_SECONDS - waited)
        with transaction.atomic():
            keyset = locked_keyset(tenant)
            if keyset.pending_key_id is not None:
                handle = keys.keyset_set_primary(keys.tenant_aead_handle(keyset), keyset.pending_key_id)
                keys.tenant_keyset_store(keyset, aead_handle=handle, pending_key_id=None, pending_since=None)
    result = _reencrypt(tenant, batch_size=batch_size, max_batches=max_batches, progress=progress)
    if result.remaining == 0:
        with transaction.atomic():
            keyset = locked_keyset(tenant)
            # Under the lock, writes that took the old key have ended (keys.tenant_keys_for_writing).
            result.remaining = values_on_old_keys(tenant)
            if result.remaining:
                return result
            handle = keys.tenant_aead_handle(keyset)
            if len(keys.keyset_key_ids(handle)) > 1:
                retired = [k for k in keys.keyset_key_ids(handle) if k != keyset.primary_key_id]
                keys.tenant_keyset_store(
                    keyset,
                    aead_handle=keys.keyset_keep_only(handle, keyset.primary_key_id),
                    rotated_at=timezone.now(),
                )
                audit_services.event_record(
                    kind=AuditEvent.Kind.TENANT_KEY_ROTATED,
                    tenant=tenant,
                    actor=actor,
                    details={
                        "new_key_id": keyset.primary_key_id,
                        "retired_key_ids": retired,
                        "reencrypted": result.reencrypted,
                    },
                )
        result.finished = True
    return result


@sensitive_variables()
def _reencrypt(tenant, *, batch_size: int, max_batches: int | None, progress: Progress | None) -> RotationResult:
    # Associated data = a prefix per object type, the record id, the property id.
    ad_parts = {
        property_id: (crypto.associated_data_prefix(tenant.pk, type_id), property_id.bytes)
        for property_id, type_id in PropertyDefinition.objects.filter(tenant=tenant).values_list("pk", "object_type_id")
    }
    done = batches = 0
    last_id = 0
    while max_batches is None or batches < max_batches:
        tenant_keys = keys.tenant_keys(tenant.pk)
        rows = list(
            SensitiveValue.objects.filter(tenant=tenant, pk__gt=last_id)
            .exclude(key_id=tenant_keys.primary_key_id)
            .order_by("pk")
            .values_list("pk", "record_id", "property_id", "ciphertext")[:batch_size]
        )
        if not rows:
            break
        items = []
        for _, record_id, property_id, ciphertext in rows:
            prefix, property_bytes = ad_parts[property_id]
            items.append((bytes(ciphertext), prefix + record_id.bytes + property_bytes))
        updates = []
        for (pk, *_), (old, _), new in zip(rows, items, crypto.reencrypt_many(tenant_keys, items), strict=True):
            if new is None:
                # Left as it is: rotation must never turn an unreadable value into a lost one.
                logger.error("Sensitive value %s cannot be decrypted during rotation; it stays on its key.", pk)
                continue
            updates.append((pk, new, crypto.key_id_of(new), old))
        with transaction.atomic():
            _update_ciphertexts(updates)
        done += len(updates)
        last_id = rows[-1][0]
        batches += 1
        if progress:
            progress(len(rows))
    remaining = values_on_old_keys(tenant)
    return RotationResult(reencrypted=done, remaining=remaining, finished=False)


def _update_ciphertexts(updates: list[tuple[int, bytes, int, bytes]]) -> None:
    """One UPDATE per batch; a row changed since it was read (its ciphertext differs) is left alone."""
    rows_update_from(
        SensitiveValue._meta.db_table,
        "id",
        ["ciphertext", "key_id"],
        updates,
        ["int8", "bytea", "int8", "bytea"],
        guard="t.ciphertext = v.extra_0",
    )


@transaction.atomic
def tenant_keys_shred(*, tenant, actor=None) -> None:
    """Destroy the tenant's keysets: every sensitive value of the tenant becomes unreadable, for good."""
    keyset = TenantKeyset.objects.select_for_update().get(tenant=tenant)
    if keyset.destroyed_at:
        return
    keyset.aead_keyset = b""
    keyset.prf_keyset = b""
    keyset.destroyed_at = timezone.now()
    keyset.version += 1
    keyset.save()
    # The blind indexes were keyed by the destroyed PRF key; they are noise now.
    SensitiveValue.objects.filter(tenant=tenant).update(blind_index=None)
    keys.forget_cached_keys()
    audit_services.event_record(kind=AuditEvent.Kind.TENANT_KEYS_SHREDDED, tenant=tenant, actor=actor)


def master_key_rotate(*, to_uri: str | None = None, progress: Progress | None = None) -> int:
    """Re-wrap every tenant keyset under a new master key.

    With a key file (the default): a new key is added to the file and made primary, every keyset
    is re-wrapped, then the old key is removed from the file. With `to_uri`: keysets are re-wrapped
    under that KMS key; set SENSITIVE_MASTER_KEY_URI to it afterwards. Resumable either way.
    """
    configured = settings.SENSITIVE_MASTER_KEY_URI
    if to_uri is None and not configured.startswith("file://"):
        raise ApplicationError("With a KMS master key, name the new key: rotate_master_key --to-uri URI.")
    if to_uri is None:
        path = Path(configured.removeprefix("file://"))
        keys.master_key()  # creates the file on a first run
        handle = keys.read_master_key_file(path)
        if len(keys.keyset_key_ids(handle)) == 1:
            handle, new_id = keys.keyset_add_key(handle)
            keys.write_master_key_file(path, keys.keyset_set_primary(handle, new_id))
        target = keys.master_key()
    else:
        target = keys.MasterKey(aead=keys._kms_aead(to_uri), ref=to_uri)
    rewrapped = 0
    for tenant_id in (
        TenantKeyset.objects.filter(destroyed_at__isnull=True)
        .exclude(kek_ref=target.ref)
        .values_list("tenant_id", flat=True)
    ):
        with transaction.atomic():
            keyset = TenantKeyset.objects.select_for_update().get(tenant_id=tenant_id)
            source = keys.master_key_for_ref(keyset.kek_ref)
            aead_handle = keys.unwrap(keyset.aead_keyset, tenant_id, b"aead", source)
            prf_handle = keys.unwrap(keyset.prf_keyset, tenant_id, b"prf", source)
            keyset.aead_keyset = keys.wrap(aead_handle, tenant_id, b"aead", target)
            keyset.prf_keyset = keys.wrap(prf_handle, tenant_id, b"prf", target)
            keyset.kek_ref = target.ref
            keyset.version += 1
            keyset.save()
        rewrapped += 1
        if progress:
            progress(1)
    chain_keys.chain_keys_rewrap(target=target)  # the audit chains' MAC keys too
    master_key_rotated.send(sender=None, target=target)  # and secrets sealed above (webhooks)
    if to_uri is None:
        path = Path(configured.removeprefix("file://"))
        handle = keys.read_master_key_file(path)
        if len(keys.keyset_key_ids(handle)) > 1:
            keys.write_master_key_file(path, keys.keyset_keep_only(handle, handle.keyset_info().primary_key_id))
    keys.forget_cached_keys()
    audit_services.event_record(
        kind=AuditEvent.Kind.MASTER_KEY_ROTATED, details={"rewrapped": rewrapped, "master_key": target.ref}
    )
    return rewrapped
