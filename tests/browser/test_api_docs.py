"""/api/docs/ in a real browser: Swagger UI lists the API's operations from assets the app serves
itself, without a single violation of the strict Content-Security-Policy."""

import pytest

from tests.browser.test_csp import WATCH_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_list_the_operations_within_the_policy(page, live_server):
    # given a visitor without any token or session, watching for violations and failed requests
    problems: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: "CSP violation" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    outside: list[str] = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or outside.append(request.url))

    # when they open the docs
    response = page.goto(f"{live_server.url}/api/docs/")

    # then Swagger UI shows the operations, under the policy of every other page
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operation = page.locator(".opblock-summary-path", has_text="/crm/v3/objects/{object_type}/{object_id}").first
    operation.wait_for()
    assert page.locator(".opblock").count() >= 1
    operation.click()  # expands: the parameters are drawn by the same scripts
    page.get_by_text("properties", exact=True).first.wait_for()
    assert problems == [], problems
    assert outside == []  # no CDN, no font or image from elsewhere
