"""Blind index (PRF) key rotation: a new key, every blind index recomputed in resumable batches, the old key
retired; equality filters search under every key meanwhile."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit import services as audit_services
from audit.models import AuditEvent
from core.db import rows_update_from
from crm.models import PropertyDefinition
from sensitive import crypto, keys
from sensitive.models import SensitiveValue, TenantKeyset
from sensitive.rotation import ROTATION_BATCH, Progress, RotationResult, locked_keyset

logger = logging.getLogger(__name__)
REINDEX_PASSES = 5  # a pass takes the indexes written under the old key during the one before


def values_to_reindex(tenant) -> int:
    """How many blind indexes a blind index key rotation started (or resumed) now will recompute."""
    keyset = TenantKeyset.objects.get(tenant=tenant)
    handle = keys.tenant_prf_handle(keyset)
    if len(keys.keyset_key_ids(handle)) > 1:
        return _indexes_on_old_keys(tenant, handle.keyset_info().primary_key_id).count()
    return SensitiveValue.objects.filter(tenant=tenant, blind_index__isnull=False).count()


def blind_index_rotation_under_way(tenant) -> bool:
    return len(keys.keyset_key_ids(keys.tenant_prf_handle(TenantKeyset.objects.get(tenant=tenant)))) > 1


def _indexes_on_old_keys(tenant, primary_key_id: int, after: int = 0):
    values = SensitiveValue.objects.filter(tenant=tenant, pk__gt=after, blind_index__isnull=False)
    return values.exclude(blind_key_id=primary_key_id)


def blind_index_key_rotate(
    *,
    tenant,
    actor=None,
    batch_size: int = ROTATION_BATCH,
    max_batches: int | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RotationResult:
    """Rotate a tenant's blind index (PRF) key: recompute every blind index, then retire the old key.

    1. add a new PRF key and make it primary at once (a rotation under way is resumed instead);
       equality filters search under every key of the keyset, so values indexed under either key
       are found throughout;
    2. wait SENSITIVE_KEY_PROPAGATION_SECONDS, so that every process has the new key;
    3. recompute, batch by batch, each committed, the indexes made with another key (each row says
       which: `blind_key_id`), in passes until none is left;
    4. destroy the old key, under the keyset lock: writes that took the old key have ended by then,
       and if one left an index under it, the key stays and a run again finishes the work.
    `max_batches` stops early (to spread the work, and for tests of a killed run).
    """
    with transaction.atomic():
        keyset = locked_keyset(tenant)
        handle = keys.tenant_prf_handle(keyset)
        if len(keys.keyset_key_ids(handle)) == 1:
            handle, new_key_id = keys.keyset_add_key(handle, keys.PRF_TEMPLATE)
            handle = keys.keyset_set_primary(handle, new_key_id)
            keys.tenant_keyset_store(keyset, prf_handle=handle, reindex_since=timezone.now())
            logger.info("Tenant %s: new blind index key %s; recomputing the indexes.", tenant, new_key_id)
    primary = handle.keyset_info().primary_key_id
    waited = (timezone.now() - (keyset.reindex_since or timezone.now())).total_seconds()
    if waited < settings.SENSITIVE_KEY_PROPAGATION_SECONDS:
        sleep(settings.SENSITIVE_KEY_PROPAGATION_SECONDS - waited)
    done = 0
    budget = max_batches
    for _ in range(REINDEX_PASSES):
        reindexed, batches, complete = _reindex(
            tenant, primary, batch_size=batch_size, max_batches=budget, progress=progress
        )
        done += reindexed
        if not complete:
            return RotationResult(reencrypted=done, remaining=values_to_reindex(tenant), finished=False)
        with transaction.atomic():
            keyset = locked_keyset(tenant)
            if not _indexes_on_old_keys(tenant, primary).exists():
                handle = keys.tenant_prf_handle(keyset)
                retired = [key_id for key_id in keys.keyset_key_ids(handle) if key_id != primary]
                keys.tenant_keyset_store(keyset, prf_handle=keys.keyset_keep_only(handle, primary), reindex_since=None)
                audit_services.event_record(
                    kind=AuditEvent.Kind.TENANT_KEY_ROTATED,
                    tenant=tenant,
                    actor=actor,
                    details={
                        "keyset": "blind index",
                        "new_key_id": primary,
                        "retired_key_ids": retired,
                        "reindexed": done,
                    },
                )
                return RotationResult(reencrypted=done, remaining=0, finished=True)
        # Indexes written under the old key while this pass ran: another pass takes them.
        budget = None if budget is None else budget - batches
        if budget is not None and budget <= 0:
            break
    return RotationResult(reencrypted=done, remaining=values_to_reindex(tenant), finished=False)


@sensitive_variables()
def _reindex(tenant, primary_key_id: int, *, batch_size: int, max_batches: int | None, progress: Progress | None):
    """One pass over the values indexed under another key than `primary_key_id`, in id order.
    Returns (values re-indexed, batches, whether the pass reached the end)."""
    done = batches = 0
    last_id = 0
    while max_batches is None or batches < max_batches:
        tenant_keys = keys.tenant_keys(tenant.pk)
        rows = list(
            _indexes_on_old_keys(tenant, primary_key_id, after=last_id)
            .order_by("pk")
            .values_list("pk", "record_id", "property_id", "ciphertext")[:batch_size]
        )
        if not rows:
            return done, batches, True
        # Read per batch: a property may have been created, or stopped being searchable, meanwhile.
        properties = PropertyDefinition.objects.filter(pk__in={row[2] for row in rows})
        type_of, searchable = {}, set()
        for property_id, type_id, is_searchable in properties.values_list("pk", "object_type_id", "searchable"):
            type_of[property_id] = type_id
            if is_searchable:
                searchable.add(property_id)
        items = [
            (bytes(ciphertext), crypto.associated_data(tenant.pk, type_of[property_id], record_id, property_id))
            for _, record_id, property_id, ciphertext in rows
        ]
        updates = []
        for (pk, _, property_id, _), (old, _), value in zip(
            rows, items, crypto.decrypt_many(tenant_keys, items), strict=True
        ):
            if value is crypto.UNDECRYPTABLE:
                logger.error("Sensitive value %s cannot be decrypted; its blind index is dropped.", pk)
            if property_id not in searchable or value is crypto.UNDECRYPTABLE:
                # No longer searchable, or unreadable (then no filter could confirm it anyway).
                updates.append((pk, None, None, old))
                continue
            index = crypto.blind_index(tenant_keys, property_id, value)
            updates.append((pk, index, tenant_keys.prf_key_id, old))
        with transaction.atomic():
            rows_update_from(
                SensitiveValue._meta.db_table,
                "id",
                ["blind_index", "blind_key_id"],
                updates,
                ["int8", "int4", "int8", "bytea"],
                guard="t.ciphertext = v.extra_0",
            )
        last_id = rows[-1][0]
        done += len(rows)
        batches += 1
        if progress:
            progress(len(rows))
    return done, batches, not _indexes_on_old_keys(tenant, primary_key_id, after=last_id).exists()
