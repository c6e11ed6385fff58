"""A second factor a user set up is asked for even in a tenant that does not require one."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Tenant
from tests.conftest import totp_device


def test_the_password_alone_does_not_pass_a_factor_the_user_set_up(password_only_client, member_a):
    # given: a tenant without the MFA requirement, and a member who added an authenticator app anyway
    Tenant.objects.filter(pk=member_a.tenant_id).update(require_mfa=False)
    totp_device(member_a)
    password_only_client.force_login(member_a)  # the password step only

    # when: the password-only session opens a page, and tries to mint new backup codes
    page = password_only_client.get(reverse("home"))
    mint = password_only_client.post(reverse("mfa_backup_codes_create"))

    # then: both are sent to the second factor, and no code is made
    assert page.status_code == 302 and page["Location"].startswith(reverse("mfa_verify"))
    assert mint.status_code == 302 and mint["Location"].startswith(reverse("mfa_verify"))
    assert not member_a.backup_codes.exists()


def test_a_member_without_a_factor_still_works_where_mfa_is_not_required(password_only_client, member_a):
    Tenant.objects.filter(pk=member_a.tenant_id).update(require_mfa=False)
    password_only_client.force_login(member_a)

    assert password_only_client.get(reverse("home")).status_code == 200


def test_a_sign_in_link_back_to_itself_is_no_error_for_a_signed_in_user(client, member_a):
    client.force_login(member_a)

    response = client.get(reverse("login") + "?next=" + reverse("login"))

    assert response.status_code == 302 and response["Location"] == reverse("home")
