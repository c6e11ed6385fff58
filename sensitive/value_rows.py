"""New SensitiveValue rows from plaintext: the ciphertext bound to its place, and the blind index.

Shared by the writes (sensitive/services.py) and the moves after a sensitivity change (sensitive/moves.py).
"""

from __future__ import annotations

from typing import Any

from crm.models import PropertyDefinition, Record
from sensitive import crypto
from sensitive.models import SensitiveValue


def blind_index_of(tenant_keys, definition: PropertyDefinition, value: Any) -> tuple[int | None, int | None]:
    """(blind index, id of the PRF key that made it) of a new value; (None, None) if not searchable.
    The two go together: a blind index key rotation re-indexes by the key id."""
    if not definition.searchable:
        return None, None
    return crypto.blind_index(tenant_keys, definition.id, value), tenant_keys.prf_key_id


def value_row_new(tenant_keys, record: Record, definition: PropertyDefinition, value: Any) -> SensitiveValue:
    """An unsaved row holding `value` encrypted, with associated data binding it to tenant, type, record, property."""
    ad = crypto.associated_data(record.tenant_id, record.object_type_id, record.pk, definition.id)
    ciphertext = crypto.encrypt(tenant_keys, value, ad)
    blind_index, blind_key_id = blind_index_of(tenant_keys, definition, value)
    return SensitiveValue(
        tenant_id=record.tenant_id,
        record_id=record.pk,
        record_number=record.number,
        property_id=definition.id,
        ciphertext=ciphertext,
        key_id=crypto.key_id_of(ciphertext),
        blind_index=blind_index,
        blind_key_id=blind_key_id,
    )
