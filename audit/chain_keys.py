"""The chains' MAC keys: one per chain, HMAC-SHA256, wrapped by the master key, cached unwrapped.

A chain's key is made on its first event (legacy_seq 0: every link is keyed). Chains that had
events before keys came were sealed by a migration (legacy_chains_seal): their key says up to
which event the links are the plain SHA-256 of before. A chain whose key is missing, or was made
after its first events, does not verify: making a new key cannot launder a rewritten chain.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import tink
from django.db import IntegrityError, transaction

from audit.models import AuditChainHead, AuditChainKey
from core import master_key as master_keys

_cache: dict[str, ChainMac] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ChainMac:
    """A chain's unwrapped key. Its repr names no key material."""

    chain: str
    legacy_seq: int
    mac: object  # Tink's Mac primitive
    sealed: bool  # whether the stored legacy_seq is the one the key was made with

    def tag(self, content: bytes) -> str:
        return self.mac.compute_mac(content).hex()

    def verifies(self, tag: str, content: bytes) -> bool:
        try:
            self.mac.verify_mac(bytes.fromhex(tag), content)
        except (tink.TinkError, ValueError):
            return False
        return True

    def __repr__(self) -> str:
        return f"ChainMac(chain={self.chain}, legacy_seq={self.legacy_seq})"


def _wrap_ad(chain: str) -> bytes:
    # Binds a wrapped key to its chain: copied to another chain's row it does not unwrap.
    return b"crm.audit-mac.v1|" + chain.encode()


def _seal_content(chain: str, legacy_seq: int) -> bytes:
    return f"crm.audit-mac-seal.v1|{chain}|{legacy_seq}".encode()


def chain_mac(chain: str, *, create: bool = True) -> ChainMac | None:
    """The chain's key, made (and stored wrapped) when it has none and `create`; else None.

    Raises MasterKeyUnavailable when the master key cannot unwrap it.
    """
    cached = _cache.get(chain)
    if cached is not None:
        return cached
    with _lock:
        row = AuditChainKey.objects.filter(chain=chain).first()
        if row is None:
            if not create:
                return None
            row = _create(AuditChainKey, chain, legacy_seq=0)
        loaded = _load(row)
        _cache[chain] = loaded
        return loaded


def _create(key_model, chain: str, *, legacy_seq: int):
    handle = master_keys.mac_keyset_new()
    master = master_keys.master_key()
    seal = master_keys.mac_primitive(handle).compute_mac(_seal_content(chain, legacy_seq)).hex()
    try:
        with transaction.atomic():
            return key_model.objects.create(
                chain=chain,
                keyset=master_keys.keyset_wrap(handle, master, _wrap_ad(chain)),
                kek_ref=master.ref,
                legacy_seq=legacy_seq,
                seal=seal,
            )
    except IntegrityError:  # another process made it first
        return key_model.objects.get(chain=chain)


def _load(row: AuditChainKey) -> ChainMac:
    master = master_keys.master_key_for_ref(row.kek_ref)
    handle = master_keys.keyset_unwrap(row.keyset, master, _wrap_ad(row.chain), f"audit chain {row.chain}")
    mac = master_keys.mac_primitive(handle)
    probe = ChainMac(row.chain, row.legacy_seq, mac, sealed=True)
    return ChainMac(
        row.chain, row.legacy_seq, mac, sealed=probe.verifies(row.seal, _seal_content(row.chain, row.legacy_seq))
    )


def legacy_chains_seal(head_model=AuditChainHead, key_model=AuditChainKey) -> int:
    """Give every chain without a key one whose legacy_seq is the chain's last event: the links made
    before keys came verify as SHA-256, every later one must be keyed. (Run once, by the migration
    that brought keys; takes the models so that it runs on the migration's historical ones.)"""
    sealed = 0
    keyed = set(key_model.objects.values_list("chain", flat=True))
    for chain, seq in head_model.objects.values_list("chain", "seq"):
        if chain not in keyed:
            _create(key_model, chain, legacy_seq=seq)
            sealed += 1
    return sealed


def chain_keys_exist() -> bool:
    """Whether chain keys wrapped by a master key exist (then a missing key file is a lost key)."""
    return AuditChainKey.objects.exists()


def forget_cached_keys() -> None:
    _cache.clear()


def chain_keys_rewrap(*, target: master_keys.MasterKey) -> int:
    """Wrap every chain key anew under `target` (master key rotation); resumable, returns how many."""
    rewrapped = 0
    for chain in AuditChainKey.objects.exclude(kek_ref=target.ref).values_list("chain", flat=True):
        with transaction.atomic():
            row = AuditChainKey.objects.select_for_update().get(chain=chain)
            source = master_keys.master_key_for_ref(row.kek_ref)
            handle = master_keys.keyset_unwrap(row.keyset, source, _wrap_ad(chain), f"audit chain {chain}")
            row.keyset = master_keys.keyset_wrap(handle, target, _wrap_ad(chain))
            row.kek_ref = target.ref
            row.save(update_fields=["keyset", "kek_ref"])
        rewrapped += 1
    return rewrapped
