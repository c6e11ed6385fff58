"""Passkeys as a second factor, with Chromium's virtual authenticator standing in for a security key."""

import pytest

from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp


def test_a_user_adds_a_passkey_and_signs_in_with_it(
    page, live_server, sign_in, authenticator, settings, tenant_a_admin
):
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    sign_in("ada@acme.test", PASSWORD)

    page.goto(f"{live_server.url}/accounts/mfa/")
    page.get_by_role("button", name="Add a passkey").click()
    # A locator, not wait_for_function: that evals its expression in the page, which the CSP forbids.
    page.locator("tbody tr").nth(1).or_(page.locator("#passkey-register-status-message:not(:empty)")).wait_for()
    page.reload()
    assert page.get_by_role("cell", name="Passkey", exact=False).count() >= 1 or page.locator("tbody tr").count() >= 2

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"{live_server.url}/")

    assert page.get_by_role("heading", name="Welcome").is_visible()
    details = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.MFA_VERIFIED).values_list("details", flat=True))
    assert {"device": "passkey"} in details


def _session_cookie(page) -> str:
    return next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid")


def test_adding_a_passkey_after_a_while_asks_to_confirm_first(
    page, live_server, sign_in, authenticator, settings, tenant_a_admin
):
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.sudo import CONFIRMED_AT

    # given: signed in, and the last confirmation is long ago
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    sign_in("ada@acme.test", PASSWORD)
    session = SessionStore(session_key=_session_cookie(page))
    session[CONFIRMED_AT] = 0
    session.save()

    # when: the devices page, then the confirmation it asks for
    page.goto(f"{live_server.url}/accounts/mfa/")
    assert page.get_by_role("button", name="Add a passkey").count() == 0
    page.get_by_role("link", name="Confirm it's you to add a passkey").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/mfa/")

    # then: the passkey can be added
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_role("status").filter(has_text="successful").wait_for()
    kinds = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.MFA_ENROLLED).values_list("details", flat=True))
    assert {"device": "passkey"} in kinds


def test_signing_in_with_a_passkey_gives_a_new_session_key(
    page, live_server, sign_in, authenticator, settings, tenant_a_admin
):
    # given: Ada has a passkey, and has passed the password step
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    sign_in("ada@acme.test", PASSWORD)
    page.goto(f"{live_server.url}/accounts/mfa/")
    page.get_by_role("button", name="Add a passkey").click()
    page.locator("#passkey-register-status-message:not(:empty)").wait_for()  # a locator: the CSP forbids eval
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/mfa/verify/**")
    before = _session_cookie(page)

    # when
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"{live_server.url}/")

    # then
    assert _session_cookie(page) != before
    assert page.get_by_role("heading", name="Welcome").is_visible()
