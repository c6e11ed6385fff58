"""The master key (KEK): loading it from a key file or a KMS, and the keysets it wraps.

Below both `sensitive` (tenant keysets) and `audit` (chain MAC keys), which wrap their keys with
it and store only the wrapped forms; neither imports the other for it. The key itself never
lives in the database.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tink
from django.conf import settings
from django.dispatch import Signal
from tink import aead, mac, secret_key_access
from tink.proto import tink_pb2

from core.exceptions import ApplicationError

aead.register()
mac.register()

logger = logging.getLogger(__name__)

AEAD_TEMPLATE = aead.aead_key_templates.AES256_GCM
KMS_SCHEMES = ("hcvault://", "aws-kms://", "gcp-kms://")


class MasterKeyUnavailable(ApplicationError):
    """The master key cannot be loaded or used; nothing it wrapped can be read."""


@dataclass(frozen=True)
class MasterKey:
    aead: aead.Aead
    ref: str  # stored beside each wrapped keyset: which master key wrapped it


_master_lock = threading.Lock()
_file_master_cache: dict[Path, tuple[float, MasterKey]] = {}
# Each says whether keys wrapped by a master key exist (registered by the apps that store them,
# in their AppConfig.ready): then a missing key file is a lost key, not a first run.
_wrapped_keys_checks: list[Callable[[], bool]] = []


def wrapped_keys_check_register(check: Callable[[], bool]) -> None:
    if check not in _wrapped_keys_checks:
        _wrapped_keys_checks.append(check)


def master_key() -> MasterKey:
    """The configured master key, from SENSITIVE_MASTER_KEY_URI."""
    uri = settings.SENSITIVE_MASTER_KEY_URI
    if uri.startswith("file://"):
        return _file_master_key(Path(uri.removeprefix("file://")))
    if uri.startswith(KMS_SCHEMES):
        return MasterKey(aead=kms_aead(uri), ref=uri)
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
    return MasterKey(aead=kms_aead(ref), ref=ref)


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
    if any(check() for check in _wrapped_keys_checks):
        raise MasterKeyUnavailable(
            f"The master key file {path} is missing, but keys wrapped by a master key exist. "
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


def forget_cached_master_keys() -> None:
    _file_master_cache.clear()


def kms_aead(uri: str) -> aead.Aead:
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


# --- wrapped keysets ------------------------------------------------------------------------


def keyset_wrap(handle: tink.KeysetHandle, master: MasterKey, associated_data: bytes) -> bytes:
    """The keyset encrypted by the master key (Tink's encrypted keyset), bound to `associated_data`."""
    return tink.proto_keyset_format.serialize_encrypted(handle, master.aead, associated_data)


def keyset_unwrap(blob: bytes, master: MasterKey, associated_data: bytes, what: str) -> tink.KeysetHandle:
    try:
        return tink.proto_keyset_format.parse_encrypted(bytes(blob), master.aead, associated_data)
    except tink.TinkError:
        raise MasterKeyUnavailable(
            f"The master key cannot unwrap the keys of {what}: is SENSITIVE_MASTER_KEY_URI the "
            "key these were wrapped with?"
        ) from None


class SecretUnopenable(MasterKeyUnavailable):
    """A sealed secret that the master key reached does not open (another key, or changed bytes)."""


# Sent by the master key's rotation (sensitive.rotation), with `target` (a MasterKey), after the
# keysets are re-wrapped and before the old key is retired: whoever sealed a secret seals it again
# under `target` (an exception stops the rotation with the old key still there).
master_key_rotated = Signal()


def secret_seal(secret: bytes, associated_data: bytes, master: MasterKey | None = None) -> tuple[bytes, str]:
    """A small secret (not a keyset) encrypted by the master key (the current one unless given):
    (ciphertext, the key's ref)."""
    master = master or master_key()
    return master.aead.encrypt(secret, associated_data), master.ref


def secret_unseal(sealed: bytes, ref: str, associated_data: bytes, what: str) -> bytes:
    """The secret back; SecretUnopenable when the master key (that of `ref`) doesn't open it, and
    MasterKeyUnavailable, as for every use of the key, when the key itself can't be had."""
    master = master_key_for_ref(ref) if ref else master_key()
    try:
        return master.aead.decrypt(bytes(sealed), associated_data)
    except tink.TinkError:
        raise SecretUnopenable(f"The master key cannot open {what}.") from None


# --- MAC keysets ------------------------------------------------------------------------------

# HMAC-SHA256 with a 256-bit tag and no Tink prefix: a tag is 32 bytes, 64 hex digits, the width
# of the SHA-256 digests it replaces. (The template object is copied: Tink's is shared.)
MAC_TEMPLATE = tink_pb2.KeyTemplate()
MAC_TEMPLATE.CopyFrom(mac.mac_key_templates.HMAC_SHA256_256BITTAG)
MAC_TEMPLATE.output_prefix_type = tink_pb2.RAW


def mac_keyset_new() -> tink.KeysetHandle:
    return tink.new_keyset_handle(MAC_TEMPLATE)


def mac_primitive(handle: tink.KeysetHandle) -> mac.Mac:
    return handle.primitive(mac.Mac)
