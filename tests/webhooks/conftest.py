"""The webhooks' cast: a local receiver (a real HTTP server on 127.0.0.1) and Acme's payroll app
subscribed to contacts' creation, deletion and changes of firstname and annual_salary."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from tests.api.conftest import SENSITIVE_CONTACTS, ApiClient, api_for, make_app  # noqa: F401 (fixtures)
from webhooks import services
from webhooks.services import Wanted


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers `answer` after `delay` seconds; keeps (path, headers, body) of each request."""

    answer = 200
    delay = 0.0
    seen: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, self.headers, body))
        time.sleep(type(self).delay)
        try:
            self.send_response(type(self).answer)
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller gave up waiting (a timeout)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """(url, handler); handler.seen holds what came, handler.events() the events of every request."""
    Receiver.answer, Receiver.delay, Receiver.seen = 200, 0.0, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", Receiver
    server.shutdown()


def events_of(handler) -> list[dict]:
    return [event for _, _, body in handler.seen for event in json.loads(body)]


def signature_ok(url: str, headers, body: bytes, secret: str) -> bool:
    """HubSpot's receiver check, as https://developers.hubspot.com/docs/api/webhooks/validating-requests
    tells it: base64(HMAC-SHA256(secret, method + uri + body + timestamp)), timestamp under 5 minutes old."""
    timestamp = headers["X-HubSpot-Request-Timestamp"]
    if abs(time.time() * 1000 - int(timestamp)) > 300_000:
        return False
    source = b"POST" + url.encode() + body + timestamp.encode()
    expected = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, headers["X-HubSpot-Signature-v3"])


def subscribe(app, contacts, *specs, actor=None):
    wanted = [Wanted(contacts, event, name) for event, name in specs]
    return services.subscriptions_set(actor=actor, app=app, wanted=wanted)


STANDARD = (("creation", ""), ("deletion", ""), ("propertyChange", "firstname"), ("propertyChange", "annual_salary"))


@pytest.fixture
def hooked(make_app, receiver, tenant_a_admin, contacts_a, salary):
    """(app, token, secret, url, handler): the payroll app, able to read contacts' sensitive values,
    with webhooks to the receiver and the STANDARD subscriptions."""
    url, handler = receiver
    app, token = make_app(SENSITIVE_CONTACTS, name="Payroll sync")
    _, secret = services.webhook_settings_save(actor=tenant_a_admin, app=app, target_url=url)
    subscribe(app, contacts_a, *STANDARD, actor=tenant_a_admin)
    return app, token, secret, url, handler


__all__ = ["ApiClient"]
