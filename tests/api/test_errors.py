"""Every 4xx of the API in HubSpot's error shape, for whatever a client sends; never a 500.

{"status": "error", "message": ..., "correlationId": ..., "category": ..., "errors": [...]}
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time

import pytest
from django.test import Client
from django.utils import timezone

from accounts import private_apps
from accounts.models import PrivateApp
from accounts.scopes import SCOPES
from audit.models import AuditEvent
from tests.api.conftest import READ_CONTACTS, ApiClient
from tests.api.routes import require_landed

pytestmark = pytest.mark.django_db

# Endpoints that read a JSON body: each error below is tried on every one that has landed.
BODY_ENDPOINTS = [
    ("post", "/crm/v3/objects/contacts"),
    ("post", "/crm/v3/objects/contacts/search"),
    ("post", "/crm/v3/objects/contacts/batch/read"),
    ("post", "/crm/v3/objects/contacts/batch/create"),
    ("post", "/crm/v3/objects/contacts/batch/update"),
    ("post", "/crm/v3/objects/contacts/batch/upsert"),
    ("post", "/crm/v3/objects/contacts/batch/archive"),
    ("post", "/crm/v4/associations/contacts/companies/batch/read"),
    ("post", "/crm/v3/properties/contacts"),
    ("post", "/crm/v3/schemas"),
]
ALL_SCOPES = list(SCOPES)  # the errors below are not about scopes


def assert_hubspot_error(response, status: int, category: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["status"] == "error" and body["message"] and body["correlationId"]
    if category:
        assert body["category"] == category, body
    return body


@pytest.fixture
def token(make_app):
    return make_app(ALL_SCOPES)[1]


@pytest.fixture
def raw(token) -> Client:
    """A Django test client that sends the token and nothing else: bodies and headers as given."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


# --- paths and methods ---


@pytest.mark.parametrize("path", ["/crm/v3/nothing/here", "/crm/v4/objects", "/crm/v3/", "/crm/v4/x/y/z?a=1"])
def test_an_unknown_path_is_a_404_in_hubspots_shape(raw, path):
    assert_hubspot_error(raw.get(path), 404, "OBJECT_NOT_FOUND")
    assert_hubspot_error(raw.post(path, "{}", content_type="application/json"), 404)


def test_a_method_the_path_does_not_take_is_a_405_naming_the_allowed_ones(raw, alan):
    response = raw.put(f"/crm/v3/objects/contacts/{alan.number}", "{}", content_type="application/json")
    body = assert_hubspot_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "PUT" in body["message"]
    assert "GET" in response["Allow"]


def test_an_unknown_method_is_a_405(raw, alan):
    assert_hubspot_error(raw.generic("PROPFIND", f"/crm/v3/objects/contacts/{alan.number}"), 405)


def test_the_answer_is_json_whatever_the_client_accepts(raw, alan):
    response = raw.get(f"/crm/v3/objects/contacts/{alan.number}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    missing = raw.get("/crm/v3/objects/contacts/999999999", HTTP_ACCEPT="application/xml")
    assert_hubspot_error(missing, 404)


@pytest.mark.parametrize(
    "path_case",
    ["/crm/v3/objects/contacts/1?properties=%00", "/crm/v3/objects/contacts/1?%01=x", "/crm/v3/objects/con%00tacts/1"],
)
def test_a_control_character_in_the_path_or_query_is_a_400(raw, path_case):
    assert_hubspot_error(raw.get(path_case), 400, "VALIDATION_ERROR")


# --- bodies ---


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("text", ["{", '{"properties": }', "nope", "{'a': 1}", '{"a": NaN}', "\xff\xfe"])
def test_malformed_json_is_a_400_and_saves_nothing(raw, method, path, text, contacts_a):
    require_landed(method, path)
    before = contacts_a.record_set.count() if hasattr(contacts_a, "record_set") else None
    body = assert_hubspot_error(
        getattr(raw, method)(path, text.encode("latin-1"), content_type="application/json"), 400, "VALIDATION_ERROR"
    )
    assert body["errors"][0]["in"] == "body"
    if before is not None:
        assert contacts_a.record_set.count() == before


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("text", ["[]", '[{"properties": {}}]', '"contacts"', "42", "null", "true"])
def test_a_json_body_that_is_not_an_object_is_a_400(raw, method, path, text):
    require_landed(method, path)
    body = assert_hubspot_error(getattr(raw, method)(path, text, content_type="application/json"), 400)
    assert "must be an object" in body["message"]


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_json_nested_deeper_than_the_parser_goes_is_a_400(raw, method, path):
    require_landed(method, path)
    deep = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert_hubspot_error(getattr(raw, method)(path, deep, content_type="application/json"), 400)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "text", ['{"properties": {"firstname": "Al\\u0000an"}}', '{"a\\u0001": 1}', '{"q": "\\ud800"}']
)
def test_a_control_character_or_lone_surrogate_in_the_json_is_a_400(raw, method, path, text):
    require_landed(method, path)
    body = assert_hubspot_error(getattr(raw, method)(path, text, content_type="application/json"), 400)
    assert "\\u0000" not in json.dumps(body) and "Al" not in body["message"]  # the value is not echoed
    where = {"Al": "properties.firstname", '"a': "body", '"q': "q"}[next(k for k in ("Al", '"a', '"q') if k in text)]
    assert body["errors"][0]["in"] == where  # where it is, and a bad key by where it sits


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json"]
)
def test_a_body_that_is_not_json_is_a_415(raw, method, path, content_type):
    require_landed(method, path)
    response = getattr(raw, method)(path, '{"properties": {}}', content_type=content_type)
    assert_hubspot_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_body_without_a_content_type_is_a_415(raw, alan):
    response = raw.generic(
        "POST", f"/crm/v3/objects/contacts/{alan.number}", b'{"properties": {}}', content_type="", CONTENT_TYPE=""
    )
    assert_hubspot_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


# --- body size ---


@pytest.fixture
def small_limit(settings):
    settings.API_MAX_BODY_BYTES = 1_000
    return 1_000


def oversize(limit: int) -> bytes:
    return json.dumps({"properties": {"firstname": "x" * limit}}).encode()


@pytest.mark.parametrize("token_case", ["with a token", "without one"])
def test_a_body_over_the_limit_is_a_413_before_anything_else(small_limit, token, alan, token_case):
    # given a client, with or without a token, and a path that does not even take POST
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token_case == "with a token" else Client()

    # when it sends more than the limit
    response = client.post(
        f"/crm/v3/objects/contacts/{alan.number}", oversize(small_limit), content_type="application/json"
    )

    # then the answer is the 413, before authentication, the method check or the parser
    body = assert_hubspot_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert str(small_limit) in body["message"]


def chunked(client: Client, path: str, body: bytes):
    """A request as gunicorn hands on a chunked one: no Content-Length, the decoded body readable to its end."""
    return client.generic(
        "POST",
        path,
        b"",
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_a_413_without_reading_it_all(small_limit, raw, alan):
    stream_size = 50 * small_limit
    response = chunked(raw, f"/crm/v3/objects/contacts/{alan.number}", b"x" * stream_size)
    assert_hubspot_error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS[:1])
def test_a_chunked_body_within_the_limit_is_read(small_limit, raw, method, path):
    require_landed(method, path)
    response = chunked(raw, path, json.dumps({"properties": {"firstname": "Chunk"}}).encode())
    assert response.status_code == 201, response.content[:300]
    assert json.loads(response.content)["properties"]["firstname"] == "Chunk"


def test_gunicorn_hands_on_a_chunked_body_over_the_limit_as_a_413():
    """The real thing: gunicorn dechunks and hands on no Content-Length; nothing here needs the database."""
    # given the app under gunicorn with a 1,000-byte limit
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.django.test", "API_MAX_BODY_BYTES": "1000"}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{port}", "--workers=1"]
    server = subprocess.Popen([*command, "--log-level=error"], env=env)  # noqa: S603 (our own command)
    try:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(100):
            try:
                client.connect()
                break
            except OSError:
                time.sleep(0.1)

        # when a client streams 10,000 bytes in chunks, without saying how many
        client.putrequest("POST", "/crm/v3/objects/contacts/1")
        client.putheader("Content-Type", "application/json")
        client.putheader("Transfer-Encoding", "chunked")
        client.endheaders()
        for _ in range(20):
            client.send(b"1f4\r\n" + b"x" * 500 + b"\r\n")
        client.send(b"0\r\n\r\n")
        response = client.getresponse()

        # then the answer is HubSpot's 413
        assert response.status == 413
        assert json.loads(response.read())["category"] == "PAYLOAD_TOO_LARGE"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_non_numeric_content_length_is_a_400(raw, alan):
    response = raw.generic(
        "POST", f"/crm/v3/objects/contacts/{alan.number}", b"{}", content_type="application/json", CONTENT_LENGTH="2x"
    )
    assert_hubspot_error(response, 400)


# --- tokens ---


def refusals(app: PrivateApp):
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.APP_TOKEN_REFUSED, actor=app.user)


def test_a_revoked_token_is_a_401_and_a_security_event(make_app, tenant_a_admin, alan):
    app, token = make_app(READ_CONTACTS, name="Old sync")
    private_apps.private_app_revoke(actor=tenant_a_admin, app=app)
    body = assert_hubspot_error(
        ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}"), 401, "INVALID_AUTHENTICATION"
    )
    assert "revoked" in body["message"] and token not in json.dumps(body)
    assert refusals(app).get().details == {"app": "Old sync", "reason": "revoked"}


def test_an_expired_token_is_a_401_and_a_security_event(make_app, alan):
    app, token = make_app(READ_CONTACTS, expires_at=timezone.now() + dt.timedelta(days=1))
    assert ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 200
    PrivateApp.objects.filter(pk=app.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))  # a day later
    body = assert_hubspot_error(ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}"), 401)
    assert "expired" in body["message"]
    assert refusals(app).get().details["reason"] == "expired"


def test_a_token_used_from_outside_its_ip_ranges_is_a_401_and_a_security_event(make_app, alan):
    app, token = make_app(READ_CONTACTS, allowed_ip_ranges=["203.0.113.0/24"])
    url = f"/crm/v3/objects/contacts/{alan.number}"
    assert ApiClient(token, REMOTE_ADDR="203.0.113.9").get(url).status_code == 200
    response = ApiClient(token, REMOTE_ADDR="198.51.100.7").get(url)
    body = assert_hubspot_error(response, 401, "INVALID_AUTHENTICATION")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "198.51.100.7" not in body["message"]
    event = refusals(app).get()
    assert event.details["reason"] == "address not allowed" and event.ip_address == "198.51.100.7"
    assert event.surface == "api"


def test_a_refused_token_of_another_tenant_is_its_tenants_event(api_for, tenant_b_user, alan):
    app, token = private_apps.private_app_create(
        actor=tenant_b_user, tenant=tenant_b_user.tenant, name="Globex sync", scopes=READ_CONTACTS
    )
    private_apps.private_app_revoke(actor=tenant_b_user, app=app)
    assert ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 401
    assert refusals(app).get().tenant == tenant_b_user.tenant
