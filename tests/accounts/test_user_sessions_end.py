"""Ending a user's sessions: every other browser of that user is signed out at its next request."""

from __future__ import annotations

from accounts import services as account_services
from tests.conftest import VerifiedClient


def test_every_session_of_the_user_ends(member_a):
    # given: the member signed in from two browsers
    laptop, phone = VerifiedClient(), VerifiedClient()
    laptop.force_login(member_a)
    phone.force_login(member_a)

    # when: their sessions are ended
    account_services.user_sessions_end(user=member_a)

    # then: both are sent to the sign-in page
    for browser in (laptop, phone):
        response = browser.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
