"""Encryption of single values and blind indexes; the only place that calls a tenant keyset.

Plaintext format: the JSON of the value as validated by crm.validation, padded with spaces to a
multiple of 16 bytes so that ciphertext length says less about the value.

Blind index: HMAC-SHA256 (the tenant's PRF keyset) of the normalised value, truncated to
SENSITIVE_BLIND_INDEX_BITS bits (default 16, i.e. 65,536 buckets). Leakage: rows with equal values
share an index value, so anyone with database access sees which rows are equal (with 16 bits,
together with rows that collide by chance). For a property with few distinct values (an
enumeration like a health condition) this reveals the frequency of each value, whatever the
length; truncation is what keeps high-cardinality values (salaries, ids) from being linkable
one-to-one: with N rows about N/65,536 unrelated rows share each index value, which is also
how many false candidates an equality filter decrypts and discards. CipherSweet's planner aims
at between 2 and sqrt(N) coincidences: 16 bits fits tenants of 130,000 to 4 billion values.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings

AD_PREFIX = b"crm.sv.v1|"
TINK_PREFIX_SIZE = 5  # one version byte and a 4-byte key id, for keys with the TINK output prefix
PAD = 16


def associated_data(tenant_id: uuid.UUID, object_type_id: uuid.UUID, record_id: uuid.UUID, property_id: uuid.UUID):
    """Binds a ciphertext to its tenant, object type, record and property."""
    return AD_PREFIX + tenant_id.bytes + object_type_id.bytes + record_id.bytes + property_id.bytes


def associated_data_prefix(tenant_id: uuid.UUID, object_type_id: uuid.UUID) -> bytes:
    """The part of the associated data a bulk read shares across values; add record and property bytes."""
    return AD_PREFIX + tenant_id.bytes + object_type_id.bytes


def encode(value: Any) -> bytes:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return data + b" " * (-len(data) % PAD)


def decode(data: bytes) -> Any:
    return json.loads(data.decode())


def key_id_of(ciphertext: bytes) -> int:
    return int.from_bytes(ciphertext[1:TINK_PREFIX_SIZE], "big")


def encrypt(keys, value: Any, ad: bytes) -> bytes:
    return keys.aead.encrypt(encode(value), ad)


def encrypt_many(keys, items: Sequence[tuple[Any, bytes]]) -> list[bytes]:
    """Ciphertexts of (value, associated data) pairs, in order, under the primary key."""
    return keys.batch.encrypt_many([(encode(value), ad) for value, ad in items])


def decrypt(keys, ciphertext: bytes, ad: bytes) -> Any:
    return decode(keys.aead.decrypt(bytes(ciphertext), ad))


class _Undecryptable:
    def __repr__(self) -> str:
        return "UNDECRYPTABLE"


UNDECRYPTABLE = _Undecryptable()  # in place of a value that does not decrypt or decode


def decrypt_many(keys, items: Sequence[tuple[bytes, bytes]]) -> list[Any]:
    """Values of (ciphertext, associated data) pairs, in order; UNDECRYPTABLE where one fails
    (tampered, moved from another row, or under a key the tenant no longer has)."""
    plaintexts = keys.batch.decrypt_many(items)
    values = iter(_decode_all([plaintext for plaintext in plaintexts if plaintext is not None]))
    return [UNDECRYPTABLE if plaintext is None else next(values) for plaintext in plaintexts]


def reencrypt_many(keys, items: Sequence[tuple[bytes, bytes]]) -> list[bytes | None]:
    """New ciphertexts under the primary key of (ciphertext, associated data) pairs, in order; None
    where one does not decrypt. The plaintexts are not decoded: rotation has no use for the values."""
    plaintexts = keys.batch.decrypt_many(items)
    fresh = iter(
        keys.batch.encrypt_many(
            [(plaintext, ad) for plaintext, (_, ad) in zip(plaintexts, items, strict=True) if plaintext is not None]
        )
    )
    return [None if plaintext is None else next(fresh) for plaintext in plaintexts]


def _decode_all(plaintexts: list[bytes]) -> list[Any]:
    """One JSON parse for the whole batch (the padding is JSON whitespace): a parse per value cost
    more than the decryption. Should the batch not parse, each value is parsed on its own."""
    try:
        values = json.loads(b"[" + b",".join(plaintexts) + b"]")
        if len(values) == len(plaintexts):
            return values
    except ValueError:
        pass
    return [_decode_or_fail(plaintext) for plaintext in plaintexts]


def _decode_or_fail(plaintext: bytes) -> Any:
    try:
        return decode(plaintext)
    except ValueError:
        return UNDECRYPTABLE


def normalise(value: Any) -> bytes:
    """Equal-meaning values give equal bytes: text is NFKC, case-folded and space-collapsed."""
    if isinstance(value, str):
        value = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False).encode()


def blind_index(keys, property_id: uuid.UUID, value: Any) -> int:
    """The truncated, keyed HMAC of a value; the property id keeps equal values of two properties apart."""
    return _truncated_prf(keys.prf, property_id, value)


def blind_index_candidates(keys, property_id: uuid.UUID, value: Any) -> set[int]:
    """The value's blind index under each key of the PRF keyset: while that key is being rotated,
    stored values carry an index under the old key or the new one."""
    return {_truncated_prf(prf, property_id, value) for prf in keys.prfs}


def _truncated_prf(prf, property_id: uuid.UUID, value: Any) -> int:
    bits = settings.SENSITIVE_BLIND_INDEX_BITS
    digest = prf.compute(property_id.bytes + b"|" + normalise(value), 8)
    return int.from_bytes(digest, "big") >> (64 - bits)
