"""The values of a stored filter on a sensitive property, sealed.

A list (and, next, a workflow) keeps its filter in the database; the values of a filter on a
sensitive property (diagnosis EQ asthma) are as sensitive as the property's own values, so they are
stored only encrypted with the tenant's key, bound to what holds the filter (its kind and id) and
to the property: a sealed value copied to another list, property or tenant does not open. The
plaintext is padded to a size bucket, so the ciphertext's length does not tell the value's.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import tink
from django.views.decorators.debug import sensitive_variables

from core.exceptions import ApplicationError
from crm.models import PropertyDefinition
from sensitive import keys

PREFIX = "fv1."
PAD_MIN = 64


class FilterValueUnreadable(ApplicationError):
    """A sealed value that does not open here (another holder or property, a destroyed key)."""


def _ad(holder: str, holder_id: uuid.UUID, definition: PropertyDefinition) -> bytes:
    return (
        b"crm.stored_filter.v1|"
        + holder.encode()
        + b"|"
        + definition.tenant_id.bytes
        + holder_id.bytes
        + (definition.pk.bytes)
    )


def _pad(plaintext: bytes) -> bytes:
    size = PAD_MIN
    while size < len(plaintext):
        size *= 2
    return plaintext.ljust(size, b" ")  # JSON allows trailing whitespace


@sensitive_variables()
def filter_value_seal(*, holder: str, holder_id: uuid.UUID, definition: PropertyDefinition, value: Any) -> str:
    """`value` (JSON: one filter's value, values and highValue) as text safe to store."""
    plaintext = _pad(json.dumps(value).encode())
    ciphertext = keys.tenant_keys(definition.tenant_id).aead.encrypt(plaintext, _ad(holder, holder_id, definition))
    return PREFIX + base64.b64encode(ciphertext).decode()


@sensitive_variables()
def filter_value_open(*, holder: str, holder_id: uuid.UUID, definition: PropertyDefinition, sealed: str) -> Any:
    try:
        if not sealed.startswith(PREFIX):
            raise ValueError
        ciphertext = base64.b64decode(sealed.removeprefix(PREFIX))
        aead = keys.tenant_keys(definition.tenant_id).aead
        return json.loads(aead.decrypt(ciphertext, _ad(holder, holder_id, definition)))
    except (ValueError, TypeError, tink.TinkError):
        raise FilterValueUnreadable(
            f"The stored filter on {definition.label} ({definition.name}) can't be read: set it again."
        ) from None
