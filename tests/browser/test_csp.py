"""The Content-Security-Policy in a real browser: injected inline code does nothing, and no page of
ours (nor the Django admin) breaks the policy while its own scripts keep working."""

import pytest

from accounts import services as account_services
from crm import selectors, services
from crm.records import services as record_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each page reports every violation (the securitypolicyviolation event) to the console, where the test
# reads it: one message per violation, with the directive and what was blocked.
WATCH_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${what} on ${location.pathname}`);
});
"""


@pytest.fixture
def grace():
    _, admin = account_services.tenant_create(name="Acme", admin_email="ada@acme.test", admin_password=PASSWORD)
    account_services.user_create(actor=admin, email="max@acme.test", password=PASSWORD)
    contacts = selectors.object_type_get(actor=admin, name="contacts")
    services.property_definition_create(
        actor=admin, object_type=contacts, name="gov_id", label="Government id", sensitivity="highly_sensitive"
    )
    return record_services.record_create(
        actor=admin, object_type=contacts, values={"firstname": "Grace", "lastname": "Hopper", "gov_id": "078-05-1120"}
    )


@pytest.fixture
def problems(page):
    """CSP violations and script errors on every page the test visits, as (kind, text)."""
    seen: list[tuple[str, str]] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: "CSP violation" in message.text and seen.append(("csp", message.text)))
    page.on("pageerror", lambda error: seen.append(("script error", f"{error} on {page.url}")))
    return seen


def test_injected_inline_code_does_not_run(page, live_server, sign_in, grace, problems):
    # given a signed-in page
    sign_in("ada@acme.test", PASSWORD)

    # when markup that slipped past escaping tries to run code or restyle the page
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = 'script'";
          document.body.append(script);
          const handler = '<img src="/static/none" onerror="window.injected = \\'handler\\'">';
          document.body.insertAdjacentHTML("beforeend", handler);
          document.querySelector("h1").setAttribute("style", "color: rgb(255, 0, 0)");
        }"""
    )
    page.wait_for_timeout(300)

    # then none of it took effect, and the browser reported each
    assert page.evaluate("window.injected") is None
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") != "rgb(255, 0, 0)"
    directives = " ".join(text for _, text in problems)
    assert "script-src" in directives and "style-src" in directives


def test_the_staff_pages_keep_to_the_policy_and_their_scripts_work(page, live_server, sign_in, grace, problems):
    url = live_server.url
    page.clock.install()
    sign_in("ada@acme.test", PASSWORD)  # the sign-in and second-factor pages, with the passkey script

    # the index, its filter and column panels
    page.goto(f"{url}/o/contacts/")
    page.get_by_text("Columns", exact=False).first.click()
    assert page.get_by_role("link", name="Grace Hopper").is_visible()

    # the record page and a reveal
    page.goto(f"{url}/o/contacts/{grace.pk}/")
    page.get_by_role("button", name="Reveal Government id").click()
    assert page.get_by_text("078-05-1120").is_visible()

    # a record form, submitted
    page.goto(f"{url}/o/contacts/new/")
    page.get_by_label("First name").fill("Ada")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(f"{url}/o/contacts/*/")

    # settings and the audit viewer
    for path in ("/settings/", "/settings/users/", "/settings/properties/contacts/", "/settings/teams/", "/audit/"):
        page.goto(url + path)

    # the passkeys page: its script fills in the "Add a passkey" button
    page.goto(f"{url}/accounts/mfa/")
    assert page.get_by_role("button", name="Add a passkey").is_visible()

    # TOTP enrolment, with its QR code drawn inline
    page.goto(f"{url}/accounts/mfa/enrol/")
    assert page.locator(".qr svg").is_visible()

    # the Django admin and its own scripts: selecting every row updates the counter
    page.goto(f"{url}/admin/")
    page.goto(f"{url}/admin/accounts/user/")
    page.locator("#action-toggle").check()
    assert page.locator(".action-counter").inner_text().startswith("2 of 2")
    page.get_by_role("link", name="max@acme.test").click()
    page.wait_for_url("**/change/")
    page.goto(f"{url}/admin/crm/propertydefinition/")

    # the session timeout warning and its keepalive
    page.goto(f"{url}/")
    page.clock.fast_forward("29:30")
    assert page.get_by_role("alertdialog").is_visible()
    with page.expect_response("**/accounts/keepalive/") as keepalive:
        page.get_by_role("button", name="Stay signed in").click()
    assert keepalive.value.status == 200
    page.get_by_role("alertdialog").wait_for(state="hidden")  # (wait_for_function would eval: the CSP says no)

    assert problems == []
