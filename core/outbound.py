"""Outgoing HTTP calls to addresses that users configure (webhooks of apps and of workflows): signed
with HubSpot's X-HubSpot-Signature-v3 scheme, with a short timeout, no redirects followed, and no
private or loopback address unless the operator allows them (WEBHOOK_ALLOW_PRIVATE_ADDRESSES), so a
webhook can't be turned against the CRM's own network.

https://developers.hubspot.com/docs/api/webhooks/validating-requests : the signature is the base64
HMAC-SHA256, keyed by the app's secret, of method + URL + body + the X-HubSpot-Request-Timestamp
header (milliseconds); receivers refuse timestamps older than five minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Delivery:
    """What came of one call: `status` is the HTTP status (0 when none came back); `error` names
    what went wrong (a timeout, a refused address, a status), never a body."""

    status: int
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def signature_v3(*, secret: str, method: str, url: str, body: bytes, timestamp_ms: int) -> str:
    source = method.upper().encode() + url.encode() + body + str(timestamp_ms).encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def url_check(url: str) -> None:
    """ValidationError unless `url` is an http(s) address a webhook may call (checked when it is
    saved, and again before each call, since a name can come to resolve elsewhere)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("Give an http or https address, such as https://example.com/hooks.")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise ValidationError("Give an https address: webhooks are not sent over plain http.")
    if parts.username or parts.password:
        raise ValidationError("Leave credentials out of the address; the signature authenticates the call.")
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise ValidationError(f"The host {parts.hostname} can't be found.") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise ValidationError(
                f"The host {parts.hostname} is a private or local address, which webhooks don't call."
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the answer, not a hop to somewhere else


_opener = urllib.request.build_opener(_NoRedirects)


def signed_post(*, url: str, body: bytes, secret: str, timeout: float | None = None) -> Delivery:
    """POSTs the JSON `body` to `url` with the v3 signature headers; never raises for the network."""
    started = time.monotonic()
    try:
        url_check(url)
    except ValidationError as exc:
        return Delivery(0, exc.messages[0])
    timestamp = int(time.time() * 1000)
    request = urllib.request.Request(  # noqa: S310 -- url_check allowed only http and https
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "crm-webhooks/1",
            "X-HubSpot-Request-Timestamp": str(timestamp),
            "X-HubSpot-Signature-v3": signature_v3(
                secret=secret, method="POST", url=url, body=body, timestamp_ms=timestamp
            ),
            "X-HubSpot-Signature-Version": "v3",
        },
    )
    try:
        with _opener.open(request, timeout=timeout or settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except TimeoutError:
        return Delivery(0, "The endpoint did not answer in time.", time.monotonic() - started)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        kind = "timed out" if isinstance(reason, TimeoutError) else type(reason).__name__
        return Delivery(0, f"The endpoint could not be reached ({kind}).", time.monotonic() - started)
    seconds = time.monotonic() - started
    return Delivery(status, "" if 200 <= status < 300 else f"The endpoint answered {status}.", seconds)
