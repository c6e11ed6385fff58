"""/api/docs/ in a real browser: Swagger UI lists the API's operations from assets the app serves
itself, and runs a call with a token, without a single violation of the Content-Security-Policy."""

import pytest

from accounts import private_apps
from tests.browser.test_csp import WATCH_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_list_the_operations_and_try_one_within_the_policy(page, live_server, tenant_a_admin, alan):
    # given a visitor with no session, watching for violations, script errors and requests elsewhere
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

    # and with an app's token they can try a call from the page
    _, token = private_apps.private_app_create(
        actor=tenant_a_admin, tenant=tenant_a_admin.tenant, name="Docs", scopes=["crm.objects.contacts.read"]
    )
    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input").first.fill(token)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    block = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text="{object_id}")).first
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.locator("input[placeholder='object_type']").fill("contacts")
    block.locator("input[placeholder='object_id']").fill(str(alan.number))
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert '"firstname": "Alan"' in block.locator(".live-responses-table .response-col_description").last.inner_text()

    assert problems == [], problems
    assert outside == []  # no CDN, no font or image from elsewhere
