"""The admin site as a whole: who gets in, what it shows, and that no page of it fails."""

from __future__ import annotations

import logging

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts import services as account_services
from accounts.models import Team
from accounts.sudo import CONFIRMED_AT
from crm import services as crm_services
from crm.models import Pipeline, PropertyDefinition
from crm.records import services as record_services

THIRD_PARTY_ADMIN_URLS = [
    "admin:otp_totp_totpdevice_changelist",
    "admin:otp_static_staticdevice_changelist",
    "admin:django_otp_webauthn_webauthncredential_changelist",
    "admin:auth_group_changelist",
    "admin:auditlog_logentry_changelist",
    "admin:axes_accessattempt_changelist",
    "admin:axes_accesslog_changelist",
    "admin:axes_accessfailurelog_changelist",
    "admin:sessions_session_changelist",
    "admin:guardian_userobjectpermission_changelist",
    "admin:guardian_groupobjectpermission_changelist",
]


@pytest.fixture
def world(tenant_a_admin, member_a, contacts_a, tenant_b_user):
    """One row of every model the admin shows, in two tenants."""
    team = account_services.team_create(actor=tenant_a_admin, name="Sales")
    account_services.team_member_add(actor=tenant_a_admin, team=team, user=member_a)
    definition = crm_services.property_definition_create(
        actor=tenant_a_admin, object_type=contacts_a, name="passport", label="Passport", sensitivity="sensitive"
    )
    record = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Ada"})
    return {"team": team, "definition": definition, "record": record}


def _third_party_paths() -> list[str]:
    paths = []
    for name in THIRD_PARTY_ADMIN_URLS:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue  # not registered at all: nothing to reach
    return paths


@pytest.mark.parametrize("_case", ["operator", "super_admin"])
def test_no_third_party_admin_is_reachable(client, operator, tenant_a_admin, member_a, _case):
    # given: a TOTP device whose key an operator could read or replace
    device = TOTPDevice.objects.create(user=member_a, name="Phone", confirmed=True)
    group = Group.objects.create(name="planted")
    client.force_login({"operator": operator, "super_admin": tenant_a_admin}[_case])

    # when / then
    for path in _third_party_paths():
        assert client.get(path).status_code == 404, path
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 404
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 404


def test_only_our_own_admins_are_registered():
    # The admin of a third-party app edits its rows without our services, events and tenant scoping.
    labels = {model._meta.app_label for model in admin.site._registry}

    assert labels <= {"accounts", "crm", "audit", "sensitive", "workflows"}


def _change_pages_of_every_model(client, world) -> list[str]:
    paths = []
    for model in admin.site._registry:
        opts = model._meta
        for pk in model.objects.values_list("pk", flat=True)[:2]:
            paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))
    return paths


@pytest.mark.parametrize("_case", ["operator", "super_admin"])
def test_no_admin_page_fails_or_shows_a_secret(client, operator, tenant_a_admin, member_a, world, _case):
    # given: secrets that exist for a tenant user
    enrolment = mfa.totp_enrolment_start(user=member_a)
    password_hash = member_a.password
    client.force_login({"operator": operator, "super_admin": tenant_a_admin}[_case])

    # when
    statuses = {}
    user_change = reverse("admin:accounts_user_change", args=[member_a.pk])
    for path in [user_change, *_change_pages_of_every_model(client, world)] + [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry
    ]:
        response = client.get(path)
        statuses[path] = response.status_code
        page = response.content.decode()
        # then: nothing secret on any page
        assert enrolment.device.key not in page and enrolment.secret not in page, path
        assert password_hash not in page and "md5$" not in page, path

    # then: no page fails
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses[user_change] == 200


def test_an_operator_opens_a_users_page(client, operator, member_a):
    client.force_login(operator)

    response = client.get(reverse("admin:accounts_user_change", args=[member_a.pk]))

    assert response.status_code == 200
    assert "max@acme.test" in response.content.decode()


# Who gets in


@pytest.mark.parametrize("path", ["/admin/", "/admin/accounts/user/", "/audit/", "/settings/", "/settings/users/"])
def test_a_member_is_refused_with_one_clear_page(client, member_a, path):
    client.force_login(member_a)

    response = client.get(path)

    assert response.status_code == 403
    page = response.content.decode()
    assert "have access to this page" in page and "<h1>You don" in page
    assert "super admin" in page


def test_the_admin_does_not_send_a_member_round_in_circles(client, member_a):
    client.force_login(member_a)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert len(response.redirect_chain) <= 1


def test_a_signed_out_visitor_is_sent_to_sign_in(password_only_client, member_a):
    response = password_only_client.get("/admin/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_a_refusal_is_logged_on_one_line_without_a_traceback(client, member_a, caplog):
    client.force_login(member_a)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/audit/")

    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.levelno == logging.WARNING for r in records)
    assert all(r.exc_info is None and r.exc_text is None for r in records)
    assert "Traceback" not in caplog.text


# Deletes that would leave dangling rows are not on offer


@pytest.mark.parametrize("model", [PropertyDefinition, Pipeline])
def test_the_data_model_has_no_delete_button(client, tenant_a_admin, world, model):
    client.force_login(tenant_a_admin)
    obj = model.objects.filter(tenant=tenant_a_admin.tenant).first()
    opts = model._meta

    response = client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_every_admin_change_asks_for_a_fresh_confirmation(client, tenant_a_admin):
    # given: the last confirmation is long past
    client.force_login(tenant_a_admin)
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()

    # when
    response = client.post(reverse("admin:accounts_team_add"), {"name": "Sales"})

    # then
    assert response.status_code == 302 and response["Location"].startswith(reverse("sudo_confirm"))
    assert not Team.objects.exists()
    assert client.get(reverse("admin:accounts_team_add")).status_code == 200  # reading needs none
