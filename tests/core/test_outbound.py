"""Webhook calls against a real local HTTP server: the receiver checks HubSpot's v3 signature the way
HubSpot tells receivers to, and failures come back as a status and a message, never an exception."""

import base64
import hashlib
import hmac
import http.server
import threading
import time

import pytest
from django.core.exceptions import ValidationError

from core.outbound import signed_post, url_check

SECRET = "app-secret-1"


class _Receiver(http.server.BaseHTTPRequestHandler):
    answer = 200
    delay = 0.0
    seen: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, self.headers, body))  # case-insensitive, as HTTP headers are
        time.sleep(type(self).delay)
        self.send_response(type(self).answer)
        if type(self).answer == 302:
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.answer, _Receiver.delay, _Receiver.seen = 200, 0.0, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Receiver
    server.shutdown()


def test_the_receiver_validates_the_v3_signature_as_hubspot_documents(receiver):
    url, handler = receiver
    body = b'[{"objectId": 7, "subscriptionType": "contact.creation"}]'

    delivery = signed_post(url=f"{url}/hooks", body=body, secret=SECRET)

    assert delivery.ok and delivery.status == 200
    _, headers, received = handler.seen[0]
    timestamp = headers["X-HubSpot-Request-Timestamp"]
    source = f"POST{url}/hooks".encode() + received + timestamp.encode()
    expected = base64.b64encode(hmac.new(SECRET.encode(), source, hashlib.sha256).digest()).decode()
    assert headers["X-HubSpot-Signature-v3"] == expected
    assert abs(int(timestamp) - time.time() * 1000) < 60_000


def test_a_500_a_redirect_and_a_timeout_are_answers_not_exceptions(receiver, settings):
    url, handler = receiver
    handler.answer = 500
    assert signed_post(url=url, body=b"[]", secret=SECRET).error == "The endpoint answered 500."
    handler.answer = 302
    redirected = signed_post(url=url, body=b"[]", secret=SECRET)
    assert redirected.status == 302 and not redirected.ok and len(handler.seen) == 2
    handler.answer, handler.delay = 200, 1.5
    timed_out = signed_post(url=url, body=b"[]", secret=SECRET, timeout=0.3)
    assert timed_out.status == 0 and "time" in timed_out.error


def test_private_addresses_and_plain_http_are_refused_unless_the_operator_allows_them(receiver, settings):
    url, _ = receiver
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError, match="private or local"):
        url_check(url)
    assert signed_post(url=url, body=b"[]", secret=SECRET).status == 0
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError, match="https"):
        url_check("http://example.com/hooks")
    for bad in ("ftp://example.com/x", "https://user:pw@example.com/", "not a url"):
        with pytest.raises(ValidationError):
            url_check(bad)
