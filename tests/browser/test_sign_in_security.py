import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.totp import code
from audit.models import AuditEvent
from tests.conftest import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_user_enrols_an_authenticator_then_signs_in_with_it(page, live_server, tenant_a_admin, member_a):
    # first sign-in: password, then enrolment with the key shown on the page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("max@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/mfa/enrol/**")
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    assert page.get_by_role("alert").filter(has_text="not right").is_visible()
    page.get_by_label("Code").fill(code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Your backup codes").wait_for()
    assert page.locator("#backup-codes li").count() == 10
    page.get_by_role("link", name="Continue").click()
    assert page.get_by_role("heading", name="Welcome, Max").is_visible()

    # sign out, and in again: the second factor is asked for and a wrong code refused
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("max@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_label("Code").fill("999999")
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("alert").filter(has_text="not right").is_visible()
    page.wait_for_timeout(1100)  # django-otp makes a device wait a second after a wrong code
    # the enrolment's code is spent (no replay): the app's next code, which the server's tolerance accepts
    page.get_by_label("Code").fill(totp_code(TOTPDevice.objects.get(user__email="max@acme.test"), offset_steps=1))
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("heading", name="Welcome, Max").is_visible()
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {AuditEvent.Kind.MFA_ENROLLED, AuditEvent.Kind.MFA_FAILED, AuditEvent.Kind.MFA_VERIFIED} <= kinds


def test_the_staff_ui_warns_a_minute_before_the_idle_timeout(page, live_server, sign_in, tenant_a_admin, member_a):
    page.clock.install()
    sign_in("ada@acme.test", PASSWORD)
    warning = page.get_by_role("alertdialog")
    assert warning.is_hidden()

    page.clock.fast_forward("28:30")
    assert warning.is_hidden()
    page.clock.fast_forward("01:00")

    assert warning.is_visible()
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")  # not wait_for_function: it evals in the page, which the CSP forbids
