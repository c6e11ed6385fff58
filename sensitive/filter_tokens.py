"""Opaque tokens for sensitive filter values in URLs.

A filter on a sensitive property must not put the value in the address: addresses end up in
access logs, browser history and Referer headers. The filter form posts the value; the value
comes back as a token, encrypted with the tenant key and bound to the user and the property.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import tink
from django.views.decorators.debug import sensitive_variables

from crm.models import PropertyDefinition
from sensitive import keys

PREFIX = "enc1."


def _ad(actor, definition: PropertyDefinition) -> bytes:
    return b"crm.filter.v1|" + definition.tenant_id.bytes + definition.pk.bytes + actor.pk.bytes


@sensitive_variables()
def filter_token_make(*, actor, definition: PropertyDefinition, value: Any) -> str:
    ciphertext = keys.tenant_keys(definition.tenant_id).aead.encrypt(json.dumps(value).encode(), _ad(actor, definition))
    return PREFIX + base64.urlsafe_b64encode(ciphertext).decode().rstrip("=")


def is_token(text: str) -> bool:
    return text.startswith(PREFIX)


@sensitive_variables()
def filter_token_read(*, actor, definition: PropertyDefinition, token: str) -> Any:
    """The value inside a token; None for a token that is not this user's, for this property."""
    if not is_token(token):
        return None
    body = token.removeprefix(PREFIX)
    try:
        ciphertext = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return json.loads(keys.tenant_keys(definition.tenant_id).aead.decrypt(ciphertext, _ad(actor, definition)))
    except (ValueError, tink.TinkError):
        return None
