"""Every page carries a strict Content-Security-Policy, and nothing a signed-in user is sent is cached."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import security
from accounts.sudo import CONFIRMED_AT
from crm import services
from crm.records import services as record_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace(tenant_a_admin, contacts_a):
    services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="gov_id",
        label="Government id",
        sensitivity="highly_sensitive",
    )
    return record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Grace", "gov_id": "078-05-1120"}
    )


SIGNED_IN_PAGES = [
    "/",
    "/o/contacts/",
    "/o/contacts/{grace}/",
    "/o/contacts/new/",
    "/o/contacts/{grace}/edit/",
    "/o/contacts/{grace}/delete/",
    "/settings/",
    "/settings/users/",
    "/settings/teams/",
    "/settings/properties/contacts/",
    "/settings/properties/contacts/access/gov_id/",
    "/settings/security/",
    "/audit/",
    "/audit/export.csv",
    "/accounts/mfa/",
    "/accounts/mfa/enrol/",
    "/accounts/mfa/backup-codes/",
    "/accounts/preferences/",
    "/accounts/confirm/",
    "/security/health/",
    "/admin/",
    "/admin/accounts/user/",
    "/admin/crm/record/",
    "/admin/crm/propertydefinition/",
    "/o/no-such-type/",  # 404
    "/o/contacts/?q=%00",  # 400
]


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_strict_policy(response) -> None:
    directives = policy(response)
    assert directives, "no Content-Security-Policy"
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_every_page_of_a_signed_in_user_has_a_strict_policy_and_is_not_stored(client, tenant_a_admin, grace, url):
    # given
    client.force_login(tenant_a_admin)

    # when
    response = client.get(url.format(grace=grace.pk))

    # then
    assert response.status_code in {200, 400, 404}, response.status_code
    assert_strict_policy(response)
    assert "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/accounts/mfa/verify/", "/accounts/mfa/enrol/"])
def test_the_second_factor_pages_have_a_strict_policy_and_are_not_stored(password_only_client, tenant_a_admin, url):
    # given: the password step, as a real sign-in does it (which counts as a fresh confirmation)
    password_only_client.force_login(tenant_a_admin)
    session = password_only_client.session
    session[CONFIRMED_AT] = security.now().timestamp()
    session.save()

    # when
    response = password_only_client.get(url)

    # then

    assert response.status_code == 200
    assert_strict_policy(response)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("url", ["/accounts/login/", "/o/contacts/", "/no-such-page/"])
def test_pages_for_anyone_have_a_strict_policy(db, url):
    response = Client().get(url)

    assert_strict_policy(response)


def test_the_operators_admin_pages_are_not_stored(client, operator):
    client.force_login(operator)

    for url in ("/admin/", "/admin/accounts/tenant/", "/admin/accounts/tenant/add/"):
        response = client.get(url)

        assert response.status_code == 200
        assert_strict_policy(response)
        assert "no-store" in response.headers["Cache-Control"]
