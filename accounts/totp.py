"""Print the current TOTP code for a base32 secret: `python -m accounts.totp SECRET` (for the demo)."""

import sys
from base64 import b32decode

from django_otp.oath import TOTP


def code(secret: str) -> str:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return f"{TOTP(b32decode(padded)).token():06d}"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m accounts.totp BASE32_SECRET")
    print(code(sys.argv[1]))  # noqa: T201 -- a command-line helper
