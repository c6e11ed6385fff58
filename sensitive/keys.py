"""Key management: the master key (KEK) and each tenant's wrapped AEAD and PRF keysets.

Envelope encryption (Tink's encrypted keyset pattern): the master key wraps one AEAD keyset and
one PRF keyset per tenant, and only the wrapped forms are stored. Values are encrypted with the
tenant keysets in process memory, so a KMS is called once per keyset load, never per value.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import tink
from django.conf import settings
from django.db import connection, transaction
from tink import aead, prf, secret_key_access
from tink.proto import tink_pb2

from core import master_key as master_keys
from core.db import uuid_to_db
from core.exceptions import ApplicationError

# The master key lives in core (audit wraps its chain keys with it too); these names stay here
# for the callers of the sensitive data core.
from core.master_key import (  # noqa: F401
    AEAD_TEMPLATE,
    KMS_SCHEMES,
    MasterKey,
    MasterKeyUnavailable,
    master_key,
    master_key_for_ref,
    read_master_key_file,
    write_master_key_file,
)
from core.master_key import kms_aead as _kms_aead  # noqa: F401
from sensitive import tink_bulk
from sensitive.models import TenantKeyset

tink_bulk.register()
prf.register()

logger = logging.getLogger(__name__)

PRF_TEMPLATE = prf.prf_key_templates.HMAC_SHA256


class TenantKeysDestroyed(ApplicationError):
    """The tenant's keysets were shredded: its sensitive values are gone for good."""


# --- keyset handles -----------------------------------------------------------------------


def _keyset_proto(handle: tink.KeysetHandle) -> tink_pb2.Keyset:
    return tink_pb2.Keyset.FromString(tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN))


def _handle(keyset: tink_pb2.Keyset) -> tink.KeysetHandle:
    return tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)


def keyset_add_key(handle: tink.KeysetHandle, template=AEAD_TEMPLATE) -> tuple[tink.KeysetHandle, int]:
    """A copy of the keyset with one more enabled key, not primary; returns it and the new key's id."""
    keyset = _keyset_proto(handle)
    used = {key.key_id for key in keyset.key}
    while True:
        new_key = _keyset_proto(tink.new_keyset_handle(template)).key[0]
        if new_key.key_id not in used:
            break
    keyset.key.append(new_key)
    return _handle(keyset), new_key.key_id


def keyset_set_primary(handle: tink.KeysetHandle, key_id: int) -> tink.KeysetHandle:
    keyset = _keyset_proto(handle)
    if key_id not in {key.key_id for key in keyset.key}:
        raise ApplicationError(f"Key {key_id} is not in the keyset.")
    keyset.primary_key_id = key_id
    return _handle(keyset)


def keyset_keep_only(handle: tink.KeysetHandle, key_id: int) -> tink.KeysetHandle:
    """Destroy every key but `key_id`: the retired keys' material is gone from the stored keyset."""
    keyset = _keyset_proto(handle)
    kept = [key for key in keyset.key if key.key_id == key_id]
    del keyset.key[:]
    keyset.key.extend(kept)
    keyset.primary_key_id = key_id
    return _handle(keyset)


def keyset_key_ids(handle: tink.KeysetHandle) -> list[int]:
    return [key.key_id for key in handle.keyset_info().key_info]


# --- tenant keysets -----------------------------------------------------------------------


def _wrap_ad(tenant_id: uuid.UUID, kind: bytes) -> bytes:
    # Binds a wrapped keyset to its tenant: copied to another tenant's row it does not unwrap.
    return b"crm.keyset.v1|" + tenant_id.bytes + b"|" + kind


def wrap(handle: tink.KeysetHandle, tenant_id: uuid.UUID, kind: bytes, master: MasterKey) -> bytes:
    return master_keys.keyset_wrap(handle, master, _wrap_ad(tenant_id, kind))


def unwrap(blob: bytes, tenant_id: uuid.UUID, kind: bytes, master: MasterKey) -> tink.KeysetHandle:
    return master_keys.keyset_unwrap(blob, master, _wrap_ad(tenant_id, kind), f"tenant {tenant_id}")


def tenant_keys_exist() -> bool:
    """Whether tenant keys wrapped by a master key exist (then a missing key file is a lost key)."""
    return TenantKeyset.objects.filter(destroyed_at__isnull=True).exists()


@transaction.atomic
def tenant_keys_create(*, tenant) -> TenantKeyset:
    """A fresh AES256_GCM keyset and HMAC-SHA256 PRF keyset for a new tenant, stored wrapped."""
    master = master_key()
    aead_handle = tink.new_keyset_handle(AEAD_TEMPLATE)
    prf_handle = tink.new_keyset_handle(PRF_TEMPLATE)
    return TenantKeyset.objects.create(
        tenant=tenant,
        aead_keyset=wrap(aead_handle, tenant.id, b"aead", master),
        prf_keyset=wrap(prf_handle, tenant.id, b"prf", master),
        kek_ref=master.ref,
        primary_key_id=aead_handle.keyset_info().primary_key_id,
    )


@dataclass(frozen=True)
class TenantKeys:
    """Unwrapped keys in memory. Its repr names no key material."""

    tenant_id: uuid.UUID
    version: int
    aead: Any  # Tink's standard AEAD primitive
    batch: tink_bulk.BatchAead  # the same keyset, for bulk reads and rotation
    prf: Any  # the primary PRF: new blind indexes
    prfs: tuple  # every PRF of the keyset: during a blind index key rotation, values are indexed under either
    prf_key_id: int  # Tink id of the primary PRF key
    primary_key_id: int
    loaded_at: float

    def __repr__(self) -> str:
        return f"TenantKeys(tenant={self.tenant_id}, version={self.version})"


_tenant_cache: dict[uuid.UUID, TenantKeys] = {}


@dataclass(frozen=True)
class TenantState:
    """What one small query per call says about a tenant's keys and grants."""

    keys_version: int
    destroyed: bool
    grants_version: int


def tenant_state(tenant_id: uuid.UUID) -> TenantState:
    """One small query, made by every sensitive call: in plain SQL, as the ORM tripled its cost."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version, destroyed_at, grants_version FROM {TenantKeyset._meta.db_table} WHERE tenant_id = %s",  # noqa: S608
            [uuid_to_db(tenant_id)],
        )
        row = cursor.fetchone()
    if row is None:
        raise ApplicationError(f"Tenant {tenant_id} has no keys: it was not created through tenant_create.")
    return TenantState(keys_version=row[0], destroyed=row[1] is not None, grants_version=row[2])


def tenant_keys(tenant_id: uuid.UUID, state: TenantState | None = None) -> TenantKeys:
    """The tenant's keys, from the cache when still current (pass `state` to skip the version query).

    Raises TenantKeysDestroyed after shredding, MasterKeyUnavailable when the master key fails.
    """
    state = state or tenant_state(tenant_id)
    if state.destroyed:
        _tenant_cache.pop(tenant_id, None)
        raise TenantKeysDestroyed("This tenant's keys were destroyed: its sensitive values are gone for good.")
    cached = _tenant_cache.get(tenant_id)
    fresh = cached and time.monotonic() - cached.loaded_at < settings.SENSITIVE_KEYSET_CACHE_SECONDS
    if fresh and cached.version == state.keys_version:
        return cached
    return _load(TenantKeyset.objects.get(tenant_id=tenant_id))


def tenant_keys_for_writing(tenant_id: uuid.UUID) -> TenantKeys:
    """The tenant's keys for writing values in the current transaction (call it inside one).

    On PostgreSQL the transaction holds a share lock on the tenant's keyset row until it ends. A
    rotation changes the primary key and retires old keys only under an exclusive lock on that row,
    so it waits for writes that took the keys before, and then sees what they wrote: a long import
    cannot commit values under a key that was retired meanwhile. (SQLite has no row locks; there
    the write lock of the whole database does most of this.)
    """
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {TenantKeyset._meta.db_table} WHERE tenant_id = %s FOR KEY SHARE",  # noqa: S608
                [uuid_to_db(tenant_id)],
            )
    return tenant_keys(tenant_id)


def _load(keyset: TenantKeyset) -> TenantKeys:
    master = master_key_for_ref(keyset.kek_ref)
    aead_handle = unwrap(keyset.aead_keyset, keyset.tenant_id, b"aead", master)
    prf_handle = unwrap(keyset.prf_keyset, keyset.tenant_id, b"prf", master)
    prf_set = prf_handle.primitive(prf.PrfSet)
    keys = TenantKeys(
        tenant_id=keyset.tenant_id,
        version=keyset.version,
        aead=aead_handle.primitive(aead.Aead),
        batch=aead_handle.primitive(tink_bulk.BatchAead),
        prf=prf_set.primary(),
        prfs=tuple(prf_set.all().values()),
        prf_key_id=prf_set.primary_id(),
        primary_key_id=aead_handle.keyset_info().primary_key_id,
        loaded_at=time.monotonic(),
    )
    _tenant_cache[keyset.tenant_id] = keys
    return keys


def tenant_aead_handle(keyset: TenantKeyset) -> tink.KeysetHandle:
    return unwrap(keyset.aead_keyset, keyset.tenant_id, b"aead", master_key_for_ref(keyset.kek_ref))


def tenant_prf_handle(keyset: TenantKeyset) -> tink.KeysetHandle:
    return unwrap(keyset.prf_keyset, keyset.tenant_id, b"prf", master_key_for_ref(keyset.kek_ref))


def tenant_keyset_store(
    keyset: TenantKeyset,
    *,
    aead_handle: tink.KeysetHandle | None = None,
    prf_handle: tink.KeysetHandle | None = None,
    **changes,
) -> None:
    """Save changed keysets (both wrapped anew by the configured master key) and bump the version,
    so that every process reloads them on its next sensitive call."""
    master = master_key()
    aead_handle = aead_handle or tenant_aead_handle(keyset)
    prf_handle = prf_handle or tenant_prf_handle(keyset)
    keyset.aead_keyset = wrap(aead_handle, keyset.tenant_id, b"aead", master)
    keyset.prf_keyset = wrap(prf_handle, keyset.tenant_id, b"prf", master)
    keyset.kek_ref = master.ref
    keyset.primary_key_id = aead_handle.keyset_info().primary_key_id
    keyset.version += 1
    for name, value in changes.items():
        setattr(keyset, name, value)
    keyset.save()
    _tenant_cache.pop(keyset.tenant_id, None)


def forget_cached_keys() -> None:
    """Drop every unwrapped keyset from this process (tests, and after shredding)."""
    _tenant_cache.clear()
    master_keys.forget_cached_master_keys()
