import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts import services as account_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-long-passphrase-of-my-own"


def test_an_invited_admin_sets_a_password_then_is_asked_to_enrol_mfa(page, live_server):
    # given: a tenant whose first super admin was invited, not given a password
    account_services.tenant_create(name="Initech", admin_email="bill@initech.test")
    (link,) = re.findall(r"https?://\S+/accounts/invitation/[\w-]+/", mail.outbox[0].body)
    url = f"{live_server.url}{urlsplit(link).path}"

    # when: they open the link, mistype once, then set a password
    page.goto(url)
    assert page.get_by_text("bill@initech.test").is_visible()
    page.get_by_label("New password", exact=True).fill("bill")
    page.get_by_label("New password again").fill("bill")
    page.get_by_role("button", name="Set password").click()
    assert page.get_by_role("alert").filter(has_text="too short").is_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()

    # then: they sign in with it and are taken to set up a second factor
    page.wait_for_url("**/accounts/login/")
    assert page.get_by_text("Your password is set").is_visible()
    page.get_by_label("Email").fill("bill@initech.test")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/mfa/enrol/**")
    assert page.locator(".qr svg").is_visible()

    # and the link does not work a second time
    page.goto(url)
    assert page.get_by_role("alert").filter(has_text="already been used").is_visible()
