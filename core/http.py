"""The client's address, as the trusted reverse proxies saw it: one answer for the lockout and the audit."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    """`value` as a bare IP address (some proxies add a port), or None if it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The X-Forwarded-For entry the outermost trusted proxy appended: the Nth from the right.

    Each proxy appends the address it received the request from, so entries left of that one are
    whatever the client sent and prove nothing. Without a trusted proxy, the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    entries = forwarded.split(",")
    # Fewer entries than proxies: the client reached an inner proxy directly, which appended its address first.
    return _address(entries[-min(count, len(entries))]) or remote
