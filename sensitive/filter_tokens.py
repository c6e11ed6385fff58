"""Opaque tokens for sensitive filter values in URLs.

A filter on a sensitive property must not put the value in the address: addresses end up in
access logs, browser history and Referer headers. The filter form posts the value; the value
comes back as a token, encrypted with the tenant key and bound to the user, the property and the
session, and stamped with its time: a copied link is no good in another session, nor after the
longest a session lives. The plaintext is padded to a size bucket, so the token's length does
not tell the value's.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import tink
from django.views.decorators.debug import sensitive_variables

from accounts import security
from core.exceptions import ApplicationError
from crm.models import PropertyDefinition
from sensitive import keys

PREFIX = "enc2."
OLD_PREFIXES = ("enc1.",)  # tokens of before the session binding: refused as expired
CLOCK_SKEW = 300  # seconds: a token made by a server whose clock runs a little ahead still opens
PAD_MIN = 64  # bytes: the padded plaintext is this, or the next power of two above it


class FilterTokenRefused(ApplicationError):
    """A token that is not (or no longer) good here; the message names the property, never the value."""


def _ad(actor, definition: PropertyDefinition, session_id: str | None) -> bytes:
    session = hashlib.sha256((session_id or "").encode()).digest()
    return b"crm.filter.v2|" + definition.tenant_id.bytes + definition.pk.bytes + actor.pk.bytes + session


def _pad(plaintext: bytes) -> bytes:
    # JSON allows trailing whitespace: the padding needs no length field.
    size = PAD_MIN
    while size < len(plaintext):
        size *= 2
    return plaintext.ljust(size, b" ")


@sensitive_variables()
def filter_token_make(*, actor, definition: PropertyDefinition, value: Any, session_id: str) -> str:
    plaintext = _pad(json.dumps({"v": value, "t": int(security.now().timestamp())}).encode())
    ciphertext = keys.tenant_keys(definition.tenant_id).aead.encrypt(plaintext, _ad(actor, definition, session_id))
    return PREFIX + base64.urlsafe_b64encode(ciphertext).decode().rstrip("=")


def is_token(text: str) -> bool:
    return text.startswith((PREFIX, *OLD_PREFIXES))


@sensitive_variables()
def filter_token_read(*, actor, definition: PropertyDefinition, token: str, session_id: str) -> Any:
    """The value inside a token made for this user, property and session; None for what is no token.

    Raises FilterTokenRefused for a token of another user or session, a damaged one, and one older
    than the longest a session of the user's tenant lives.
    """
    if not is_token(token):
        return None
    expired = FilterTokenRefused(f"The filter on {definition.label} has expired: set it again with the Filters form.")
    if not token.startswith(PREFIX):
        raise expired
    body = token.removeprefix(PREFIX)
    try:
        ciphertext = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        content = json.loads(
            keys.tenant_keys(definition.tenant_id).aead.decrypt(ciphertext, _ad(actor, definition, session_id))
        )
        value, issued = content["v"], float(content["t"])
    except (ValueError, KeyError, TypeError, tink.TinkError):
        raise FilterTokenRefused(
            f"The filter on {definition.label} was made in another session, by another user, or is damaged: "
            "set it again with the Filters form."
        ) from None
    _, max_age = security.session_limits(actor)
    if not -CLOCK_SKEW <= security.now().timestamp() - issued <= max_age:
        raise expired
    return value
