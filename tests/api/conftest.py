"""The API's cast: private apps of Acme (tenant A) with chosen scopes, and a client that sends their token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts import private_apps

READ_CONTACTS = ["crm.objects.contacts.read"]
WRITE_CONTACTS = ["crm.objects.contacts.read", "crm.objects.contacts.write"]
SENSITIVE_CONTACTS = [*WRITE_CONTACTS, "crm.objects.contacts.sensitive.read", "crm.objects.contacts.sensitive.write"]
HIGHLY_SENSITIVE_CONTACTS = [
    *WRITE_CONTACTS,
    "crm.objects.contacts.highly_sensitive.read",
    "crm.objects.contacts.highly_sensitive.write",
]


class ApiClient:
    """Django's test client with `Authorization: Bearer <token>` and JSON bodies; returns responses
    whose `.data` is the parsed JSON body."""

    def __init__(self, token: str | None, **headers: str) -> None:
        self.client = Client(**({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}), **headers)
        self.token = token

    def _call(self, method: str, path: str, body: Any = None, **extra):
        kwargs: dict[str, Any] = dict(extra)
        if body is not None:
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
            kwargs["content_type"] = kwargs.pop("content_type", "application/json")
        response = getattr(self.client, method)(path, **kwargs)
        try:
            response.data = json.loads(response.content) if response.content else None
        except ValueError:
            response.data = None
        return response

    def get(self, path: str, params: dict | None = None, **extra):
        return self._call("get", path, None, data=params or {}, **extra)

    def post(self, path: str, body: Any = None, **extra):
        return self._call("post", path, body if body is not None else {}, **extra)

    def patch(self, path: str, body: Any = None, **extra):
        return self._call("patch", path, body if body is not None else {}, **extra)

    def put(self, path: str, body: Any = None, **extra):
        return self._call("put", path, body, **extra)

    def delete(self, path: str, body: Any = None, **extra):
        return self._call("delete", path, body, **extra)


@pytest.fixture
def make_app(tenant_a_admin):
    """make_app(scopes, **options) -> (PrivateApp, token), made by Ada through the service."""
    counter = iter(range(1, 10_000))

    def make(scopes, *, actor=None, name: str | None = None, **options):
        actor = actor or tenant_a_admin
        return private_apps.private_app_create(
            actor=actor, tenant=actor.tenant, name=name or f"App {next(counter)}", scopes=scopes, **options
        )

    return make


@pytest.fixture
def api_for(make_app):
    """api_for(scopes, **options) -> an ApiClient with a new app's token."""

    def make(scopes, **options) -> ApiClient:
        _, token = make_app(scopes, **options)
        return ApiClient(token)

    return make
