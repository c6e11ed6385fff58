"""Passkeys as a second factor, with Chromium's virtual authenticator standing in for a security key."""

import pytest

from accounts import services as account_services
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


def test_a_user_adds_a_passkey_and_signs_in_with_it(page, live_server, sign_in, authenticator, settings):
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    account_services.tenant_create(name="Acme", admin_email="ada@acme.test", admin_password=PASSWORD)
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
