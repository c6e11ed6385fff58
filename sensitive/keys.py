"""Key management: the master key (KEK) and each tenant's wrapped AEAD and PRF keysets.

Envelope encryption (Tink's encrypted keyset pattern): the master key wraps one AEAD keyset and
one PRF keyset per tenant, and only the wrapped forms are stored. Values are encrypted with the
tenant keysets in process memory, so a KMS is called once per keyset load, never per value.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tink
from django.conf import settings
from django.db import connection, transaction
from tink import aead, prf, secret_key_access
from tink.proto import tink_pb2

from core.db import uuid_to_db
from core.exceptions import ApplicationError
from sensitive import tink_bulk
from sensitive.models import TenantKeyset

tink_bulk.register()
prf.register()

logger = logging.getLogger(__name__)

AEAD_TEMPLATE = aead.aead_key_templates.AES256_GCM
PRF_TEMPLATE = prf.prf_key_templates.HMAC_SHA256
KMS_SCHEMES = ("hcvault://", "aws-kms://", "gcp-kms://")


class MasterKeyUnavailable(ApplicationError):
    """The master key cannot be loaded or used; no tenant's sensitive values can be read."""


class TenantKeysDestroyed(ApplicationError):
    """The tenant's keysets were shredded: its sensitive values are gone for good."""


# --- the master key -----------------------------------------------------------------------


@dataclass(frozen=True)
class MasterKey:
    aead: aead.Aead
    ref: str  # stored beside each wrapped keyset: which master key wrapped it


_master_lock = threading.Lock()
_file_master_cache: dict[Path, tuple[float, MasterKey]] = {}


def master_key() -> MasterKey:
    """The configured master key, from SENSITIVE_MASTER_KEY_URI."""
    uri = settings.SENSITIVE_MASTER_KEY_URI
    if uri.startswith("file://"):
        return _file_master_key(Path(uri.removeprefix("file://")))
    if uri.startswith(KMS_SCHEMES):
        return MasterKey(aead=_kms_aead(uri), ref=uri)
    raise MasterKeyUnavailable(
        "SENSITIVE_MASTER_KEY_URI must start with file://, hcvault://, aws-kms:// or gcp-kms://."
    )


def master_key_for_ref(ref: str) -> MasterKey:
    """The master key that wrapped a stored keyset, which may differ from the configured one mid-migration."""
    if ref.startswith("file:"):
        configured = settings.SENSITIVE_MASTER_KEY_URI
        if not configured.startswith("file://"):
            raise MasterKeyUnavailable("These keys were wrapped by a master key file, but a KMS is configured.")
        return _file_master_key(Path(configured.removeprefix("file://")))
    return MasterKey(aead=_kms_aead(ref), ref=ref)


def _file_master_key(path: Path) -> MasterKey:
    with _master_lock:
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            _create_master_key_file(path)
            mtime = path.stat().st_mtime
        cached = _file_master_cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        handle = read_master_key_file(path)
        key = MasterKey(aead=handle.primitive(aead.Aead), ref=f"file:{handle.keyset_info().primary_key_id}")
        _file_master_cache[path] = (mtime, key)
        return key


def read_master_key_file(path: Path) -> tink.KeysetHandle:
    if path.stat().st_mode & 0o077:
        logger.warning("The master key file %s can be read by other users; run: chmod 600 %s", path, path)
    try:
        return tink.json_proto_keyset_format.parse(path.read_text(), secret_key_access.TOKEN)
    except (OSError, tink.TinkError, ValueError) as exc:
        raise MasterKeyUnavailable(f"The master key file {path} cannot be read: {type(exc).__name__}.") from None


def _create_master_key_file(path: Path) -> None:
    # A missing file next to existing wrapped keys is a lost key, not a first run: never paper over it.
    if TenantKeyset.objects.filter(destroyed_at__isnull=True).exists():
        raise MasterKeyUnavailable(
            f"The master key file {path} is missing, but tenant keys wrapped by a master key exist. "
            "Restore the file from your backup (or set SENSITIVE_MASTER_KEY_URI to it). No new key was created."
        )
    write_master_key_file(path, tink.new_keyset_handle(AEAD_TEMPLATE))
    logger.info("Created a new master key file at %s (mode 0600). Back it up: without it nothing decrypts.", path)


def write_master_key_file(path: Path, handle: tink.KeysetHandle) -> None:
    """Write atomically with mode 0600: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle_file:
        handle_file.write(tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN))
        handle_file.flush()
        os.fsync(handle_file.fileno())
    os.replace(temporary, path)
    _file_master_cache.pop(path, None)


def _kms_aead(uri: str) -> aead.Aead:
    try:
        if uri.startswith("hcvault://"):
            import hvac
            from tink.integration import hcvault

            host, _, key_path = uri.removeprefix("hcvault://").partition("/")
            client = hvac.Client(url=f"https://{host}", token=os.environ.get("VAULT_TOKEN"), timeout=10)
            return _ReachabilityCheckedAead(hcvault.new_aead("/" + key_path, client), uri)
        if uri.startswith("aws-kms://"):
            from tink.integration import awskms

            client = awskms.AwsKmsClient(uri, credentials_path=os.environ.get("AWS_KMS_CREDENTIALS_PATH"))
            return _ReachabilityCheckedAead(client.get_aead(uri), uri)
        from tink.integration import gcpkms

        client = gcpkms.GcpKmsClient(uri, credentials_path=os.environ.get("GCP_KMS_CREDENTIALS_PATH"))
        return _ReachabilityCheckedAead(client.get_aead(uri), uri)
    except ImportError as exc:
        raise MasterKeyUnavailable(
            f"The KMS client library for {uri.split('://')[0]} is not installed ({exc.name}): "
            "pip install 'tink[hcvault]', 'tink[awskms]' or 'tink[gcpkms]'."
        ) from None
    except tink.TinkError as exc:
        raise MasterKeyUnavailable(f"The KMS key URI {uri} is not usable: {exc}.") from None


class _ReachabilityCheckedAead(aead.Aead):
    """A KMS AEAD whose network and service failures become one clear error naming the KMS."""

    def __init__(self, inner: aead.Aead, uri: str) -> None:
        self._inner, self._uri = inner, uri

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        return self._call(self._inner.encrypt, plaintext, associated_data)

    def decrypt(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        return self._call(self._inner.decrypt, ciphertext, associated_data)

    def _call(self, method, data: bytes, associated_data: bytes) -> bytes:
        try:
            return method(data, associated_data)
        except tink.TinkError:
            raise
        except Exception as exc:
            raise MasterKeyUnavailable(f"The KMS at {self._uri} could not be reached: {type(exc).__name__}.") from None


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
    return tink.proto_keyset_format.serialize_encrypted(handle, master.aead, _wrap_ad(tenant_id, kind))


def unwrap(blob: bytes, tenant_id: uuid.UUID, kind: bytes, master: MasterKey) -> tink.KeysetHandle:
    try:
        return tink.proto_keyset_format.parse_encrypted(bytes(blob), master.aead, _wrap_ad(tenant_id, kind))
    except tink.TinkError:
        raise MasterKeyUnavailable(
            f"The master key cannot unwrap the keys of tenant {tenant_id}: is SENSITIVE_MASTER_KEY_URI the "
            "key these were wrapped with?"
        ) from None


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
    _file_master_cache.clear()
