"""A super admin creates a private app in a real browser, copies the token shown once, and the token works."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_csp import WATCH_VIOLATIONS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _api_get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 (the live server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _screenshots(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in {"wide": 1280, "narrow": 390}.items():
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=ARTIFACTS / f"private_apps_{name}_{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_super_admin_creates_an_app_and_its_copied_token_calls_the_api(page, live_server, sign_in, alan, salary):
    problems: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: "CSP violation" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    # given
    sign_in("ada@acme.test", PASSWORD)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Private apps").click()
    assert page.get_by_text("No private apps yet.").is_visible()

    # when: she creates an app with one scope
    page.get_by_role("link", name="Create a private app").click()
    page.get_by_label("Name").fill("Payroll sync")
    page.locator('input[name="scopes"][value="crm.objects.contacts.read"]').check()
    page.get_by_label("Allowed IP addresses").fill("127.0.0.1\n::1")
    _screenshots(page, "form")
    page.get_by_role("button", name="Create app").click()

    # then: the token is shown once, and copied with the button
    assert page.get_by_text("it is shown only this once").is_visible()
    _screenshots(page, "token")
    page.get_by_role("button", name="Copy token").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    token = page.evaluate("navigator.clipboard.readText()")
    assert token.startswith("pat-crm1-") and token == page.get_by_label("Access token").input_value()

    # and the API answers to it
    status, body = _api_get(f"{live_server.url}/crm/v3/objects/contacts/{alan.number}", token)
    assert status == 200, body
    assert body["properties"]["firstname"] == "Alan"

    # and the app's page never shows it again
    page.get_by_role("link", name="Done").click()
    assert token not in page.content()
    assert page.get_by_text("shown only once").is_visible()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Private apps").click()
    row = page.get_by_role("row", name="Payroll sync")
    assert row.get_by_text("127.0.0.1").is_visible()  # last used, from the test's call
    _screenshots(page, "list")

    # when: she revokes it, through the confirmation
    page.get_by_role("link", name="Payroll sync").click()
    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke app").click()
    assert page.get_by_text("its token no longer works").is_visible()

    # then
    status, body = _api_get(f"{live_server.url}/crm/v3/objects/contacts/{alan.number}", token)
    assert status == 401 and body["category"] == "INVALID_AUTHENTICATION"
    assert problems == []
