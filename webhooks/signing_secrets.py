"""An app's webhook client secret: made, sealed with the master key, opened to sign a request.

Signing (HubSpot's v3 scheme, core.outbound) needs the secret itself, so it can't be stored as a
hash like the API token is. It is sealed with the master key's AEAD (AES-256-GCM, a KMS in
production), bound by associated data to the app's id, as audit/ and sensitive/ wrap their keys:
a copy of the table opens nothing, and a sealed secret moved to another app's row fails to open.
It is never in a log, a Celery message or a page but the one that shows it after it is made.
"""

from __future__ import annotations

import secrets
import uuid

from django.views.decorators.debug import sensitive_variables

from core import master_key as master_keys
from core.exceptions import ApplicationError

AD_PREFIX = b"webhooks.secret.v1|"


class SecretUnavailable(ApplicationError):
    """The sealed secret can't be opened (another master key, or a row changed)."""


def secret_new() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


@sensitive_variables("secret")
def secret_seal(app_id: uuid.UUID, secret: str, master: master_keys.MasterKey | None = None) -> tuple[bytes, str]:
    """(ciphertext, the master key's ref) to store."""
    return master_keys.secret_seal(secret.encode(), AD_PREFIX + app_id.bytes, master)


@sensitive_variables("secret")
def secret_open(app_id: uuid.UUID, sealed: bytes, ref: str) -> str:
    try:
        return master_keys.secret_unseal(sealed, ref, AD_PREFIX + app_id.bytes, "a webhook secret").decode()
    except master_keys.SecretUnopenable:
        raise SecretUnavailable("The app's webhook secret can't be opened with the master key.") from None
