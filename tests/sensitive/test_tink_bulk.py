"""The batch AEAD primitive decrypts what Tink's standard wrapper decrypts, and rejects what it rejects."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
import tink
from tink import aead

from sensitive import crypto, keys, tink_bulk


@pytest.fixture
def two_key_handle():
    """A keyset with an old key (the primary first) and a newer one made primary, as during a rotation."""
    handle = tink.new_keyset_handle(keys.AEAD_TEMPLATE)
    old = handle.primitive(aead.Aead)
    rotated, new_id = keys.keyset_add_key(handle)
    return keys.keyset_set_primary(rotated, new_id), old


def _tenant_keys(handle):
    """What crypto's batch functions use of a tenant's keys."""
    return SimpleNamespace(aead=handle.primitive(aead.Aead), batch=handle.primitive(tink_bulk.BatchAead))


def test_a_batch_over_two_keys_decrypts_like_the_standard_wrapper(two_key_handle):
    handle, old = two_key_handle
    standard, batch = handle.primitive(aead.Aead), handle.primitive(tink_bulk.BatchAead)
    items = []
    for index in range(20):
        primitive = old if index % 2 else standard  # old-key and new-key ciphertexts mixed
        ad = os.urandom(16)
        items.append((primitive.encrypt(f"value {index}".encode(), ad), ad))

    assert batch.decrypt_many(items) == [standard.decrypt(ciphertext, ad) for ciphertext, ad in items]


def test_what_does_not_decrypt_is_none_and_the_rest_of_the_batch_reads(two_key_handle):
    handle, _ = two_key_handle
    batch = handle.primitive(tink_bulk.BatchAead)
    good = batch.encrypt_many([(b"kept", b"ad-1"), (b"also kept", b"ad-3")])
    tampered = bytearray(batch.encrypt_many([(b"changed", b"ad-2")])[0])
    tampered[-1] ^= 1
    foreign = tink.new_keyset_handle(keys.AEAD_TEMPLATE).primitive(aead.Aead).encrypt(b"other keyset", b"ad-4")

    plaintexts = batch.decrypt_many(
        [(good[0], b"ad-1"), (bytes(tampered), b"ad-2"), (good[1], b"wrong ad"), (foreign, b"ad-4"), (b"", b"")]
    )

    assert plaintexts == [b"kept", None, None, None, None]


def test_values_come_back_decoded_in_order_even_when_one_plaintext_is_not_one_json_value(two_key_handle):
    handle, _ = two_key_handle
    tenant_keys = _tenant_keys(handle)
    values = [{"a": 1}, 42, "naïve", None, [1, 2]]
    items = [(crypto.encrypt(tenant_keys, value, b"ad"), b"ad") for value in values]
    # Not something encode() makes: it would turn the one-parse decoding of a batch into two values.
    odd = tenant_keys.aead.encrypt(b"1,2", b"ad")

    assert crypto.decrypt_many(tenant_keys, items) == values
    assert crypto.decrypt_many(tenant_keys, [*items[:2], (odd, b"ad"), *items[2:]]) == [
        *values[:2],
        crypto.UNDECRYPTABLE,
        *values[2:],
    ]


def test_reencryption_moves_values_to_the_primary_key_without_changing_them(two_key_handle):
    handle, old = two_key_handle
    tenant_keys = _tenant_keys(handle)
    plaintext = crypto.encode({"salary": 123_456})
    on_old_key = old.encrypt(plaintext, b"ad")

    fresh, unreadable = crypto.reencrypt_many(tenant_keys, [(on_old_key, b"ad"), (on_old_key, b"other ad")])

    assert unreadable is None
    assert crypto.key_id_of(fresh) == handle.keyset_info().primary_key_id != crypto.key_id_of(on_old_key)
    assert json.loads(tenant_keys.aead.decrypt(fresh, b"ad")) == {"salary": 123_456}
