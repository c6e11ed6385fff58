"""/api/schema/ and /api/docs/: our OpenAPI 3 schema and Swagger UI over it, public like HubSpot's
docs and served by the app itself (no CDN). The page in a real browser: tests/browser/test_api_docs.py."""

from __future__ import annotations

import re

import pytest
import yaml
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_public_openapi_3_json_with_the_bearer_token_scheme():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["privateAppToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A private app's token (pat-...).",
    }
    operation = schema["paths"]["/crm/v3/objects/{object_type}/{object_id}"]["get"]
    assert operation["security"] == [{"privateAppToken": []}]
    assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_the_schema_also_comes_as_yaml():
    response = Client().get("/api/schema/?format=yaml")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_the_schema_describes_only_the_api():
    paths = Client().get("/api/schema/").json()["paths"]
    assert paths and all(path.startswith(settings.API_PATH_PREFIXES) for path in paths), list(paths)


def test_the_429_is_described_with_hubspots_rate_limit_body():
    components = Client().get("/api/schema/").json()["components"]["schemas"]
    assert set(components["RateLimitError"]["required"]) >= {"errorType", "policyName", "correlationId"}


def test_the_docs_page_runs_no_inline_code_and_loads_its_assets_from_the_app():
    # given a visitor with no token
    client = Client()

    # when they open the docs
    response = client.get("/api/docs/")

    # then the page is Swagger UI with scripts and styles from our own static files only
    assert response.status_code == 200
    page = response.content.decode()
    assert "<style" not in page and " style=" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(source.startswith("/") for source in sources), sources
    assert any("swagger-ui-bundle.js" in source for source in sources)

    # and the start-up script is a file of its own that points Swagger UI at the schema
    script = next(source for source in sources if "script" in source and "static" not in source)
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in init.content.decode()


def test_the_docs_page_relaxes_the_policy_only_for_its_icons():
    policy = Client().get("/api/docs/")["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    assert "script-src 'self';" in policy + ";" and "unsafe-inline" not in policy
    assert "data:" not in Client().get("/api/schema/")["Content-Security-Policy"]
