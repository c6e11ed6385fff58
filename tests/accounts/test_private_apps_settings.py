"""The settings pages of private apps: create, the token shown once, edit, rotate, revoke, sudo mode."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts import private_apps
from accounts.models import PrivateApp, User
from accounts.sudo import CONFIRMED_AT
from audit.models import AuditEvent
from tests.api.conftest import ApiClient, make_app  # noqa: F401 (make_app: a fixture)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'value="(pat-crm1-[^"]+)"')


def _create(client, **fields):
    data = {"name": "Payroll sync", "scopes": ["crm.objects.contacts.read"], **fields}
    return client.post(reverse("settings_app_create"), data)


def _token_of(response) -> str:
    return TOKEN.search(response.content.decode()).group(1)


def _stale(client) -> None:
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()


def test_a_super_admin_creates_an_app_and_sees_its_token_once(admin_client, tenant_a_admin, alan):
    # when
    response = _create(admin_client, description="Nightly export", allowed_ip_ranges="127.0.0.1\n10.0.0.0/8")

    # then: the token is on the answer, which no cache keeps
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = _token_of(response)
    assert "shown only this once" in response.content.decode()
    app = PrivateApp.objects.get(name="Payroll sync")
    assert app.scopes == ["crm.objects.contacts.read"] and app.allowed_ip_ranges == ["10.0.0.0/8", "127.0.0.1/32"]
    assert app.created_by == tenant_a_admin
    # and it works against the API
    assert ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 200
    # and no page shows it again
    for url in (reverse("settings_apps"), reverse("settings_app_detail", args=[app.pk])):
        page = admin_client.get(url).content.decode()
        assert token not in page and token[-4:] not in page.replace(f"…{app.token_hint}", "")
    assert token not in str(list(AuditEvent.objects.values_list("details", flat=True)))
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.APP_CREATED)
    assert event.actor == tenant_a_admin and event.details["app"] == "Payroll sync"


def test_the_list_shows_each_apps_scopes_last_use_and_expiry(admin_client, make_app, tenant_a_admin):
    app, _ = make_app(
        ["crm.objects.contacts.read", "crm.objects.deals.read"],
        name="Reporting",
        expires_at=private_apps.expiry_of(dt.date(2099, 12, 31)),
    )
    PrivateApp.objects.filter(pk=app.pk).update(last_used_ip="203.0.113.7", last_used_at=app.created_at)
    page = admin_client.get(reverse("settings_apps")).content.decode()
    row = page[page.index("Reporting") :]
    assert '<td data-label="Scopes">2</td>' in row
    assert "203.0.113.7" in row and "2100-01-01" in row and "Active" in row


def test_a_bad_input_is_a_form_error_and_makes_nothing(admin_client):
    response = _create(admin_client, allowed_ip_ranges="10.0.0.0/99")
    assert response.status_code == 200
    assert "is not an IP address or range" in response.content.decode()
    response = _create(admin_client, scopes=[])
    assert "This field is required" in response.content.decode()
    response = _create(admin_client, expires_on="2001-01-01")
    assert "must be in the future" in response.content.decode()
    assert not PrivateApp.objects.exists()


def test_a_duplicate_name_is_refused_next_to_the_name(admin_client, make_app):
    make_app(["crm.objects.contacts.read"], name="Payroll sync")
    response = _create(admin_client, name="payroll SYNC")
    assert 'id="id_name_error"' in response.content.decode() or "already exists" in response.content.decode()
    assert PrivateApp.objects.count() == 1


def test_the_allowlist_offers_the_tenants_sensitive_properties(admin_client, salary, diagnosis):
    page = admin_client.get(reverse("settings_app_create")).content.decode()
    assert 'value="contacts.annual_salary"' in page and 'value="contacts.diagnosis"' in page
    assert 'value="contacts.firstname"' not in page
    _create(
        admin_client, sensitive_allowlist=["contacts.annual_salary"], scopes=["crm.objects.contacts.sensitive.read"]
    )
    assert PrivateApp.objects.get().sensitive_allowlist == ["contacts.annual_salary"]


def test_scopes_are_grouped_with_their_descriptions(admin_client):
    page = admin_client.get(reverse("settings_app_create")).content.decode()
    assert "<legend>Contacts</legend>" in page and "<legend>Tickets</legend>" in page
    assert "Read sensitive properties of contacts" in page


def test_changing_the_scopes_applies_at_the_next_request_and_is_an_event(admin_client, make_app, alan, companies_a):
    app, token = make_app(["crm.objects.contacts.read"], name="Sync")
    url = reverse("settings_app_detail", args=[app.pk])
    response = admin_client.post(url, {"name": "Sync", "scopes": ["crm.objects.companies.read"]})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.scopes == ["crm.objects.companies.read"]
    assert ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 403
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.APP_CHANGED)
    assert event.details["before"]["scopes"] == ["crm.objects.contacts.read"]


def test_saving_without_touching_the_expiry_keeps_it(admin_client, make_app):
    expires_at = dt.datetime(2099, 6, 1, 15, 30, tzinfo=dt.UTC)
    app, _ = make_app(["crm.objects.contacts.read"], name="Sync", expires_at=expires_at)
    form = admin_client.get(reverse("settings_app_detail", args=[app.pk])).content.decode()
    assert 'value="2099-06-01"' in form
    admin_client.post(
        reverse("settings_app_detail", args=[app.pk]),
        {"name": "Sync", "scopes": ["crm.objects.contacts.read"], "expires_on": "2099-06-01"},
    )
    app.refresh_from_db()
    assert app.expires_at == expires_at


def test_rotating_shows_a_new_token_once_and_voids_the_old_one(admin_client, make_app, alan):
    app, old = make_app(["crm.objects.contacts.read"], name="Sync")
    url = reverse("settings_app_rotate", args=[app.pk])
    assert "stops working at once" in admin_client.get(url).content.decode()

    response = admin_client.post(url)

    assert "no-store" in response["Cache-Control"]
    new = _token_of(response)
    assert new != old
    assert ApiClient(old).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 401
    assert ApiClient(new).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.APP_TOKEN_ROTATED).count() == 1


def test_revoking_after_the_confirmation_stops_the_token_for_good(admin_client, make_app, alan):
    app, token = make_app(["crm.objects.contacts.read"], name="Sync")
    url = reverse("settings_app_revoke", args=[app.pk])
    assert "for good" in admin_client.get(url).content.decode()
    assert PrivateApp.objects.get(pk=app.pk).revoked_at is None  # the page alone changes nothing

    response = admin_client.post(url)

    assert response.status_code == 302
    assert ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 401
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.APP_REVOKED).count() == 1
    page = admin_client.get(reverse("settings_app_detail", args=[app.pk])).content.decode()
    assert "Revoked" in page and "Rotate token" not in page
    # a revoked app can't be rotated back to life
    response = admin_client.post(reverse("settings_app_rotate", args=[app.pk]))
    assert "is revoked" in response.content.decode()


@pytest.mark.parametrize(
    "step_case",
    ["create", "change", "rotate", "revoke"],
)
def test_every_change_asks_for_a_fresh_confirmation_first(admin_client, make_app, step_case):
    app, _ = make_app(["crm.objects.contacts.read"], name="Sync")
    _stale(admin_client)
    url, data = {
        "create": (reverse("settings_app_create"), {"name": "New", "scopes": ["crm.objects.contacts.read"]}),
        "change": (reverse("settings_app_detail", args=[app.pk]), {"name": "Sync", "scopes": ["tickets"]}),
        "rotate": (reverse("settings_app_rotate", args=[app.pk]), {}),
        "revoke": (reverse("settings_app_revoke", args=[app.pk]), {}),
    }[step_case]

    response = admin_client.post(url, data)

    assert response.status_code == 302 and response["Location"].startswith(reverse("sudo_confirm"))
    fresh = PrivateApp.objects.get(pk=app.pk)
    assert PrivateApp.objects.count() == 1
    assert (fresh.scopes, fresh.token_hash, fresh.revoked_at) == (app.scopes, app.token_hash, None)
    kinds = [AuditEvent.Kind.APP_CHANGED, AuditEvent.Kind.APP_TOKEN_ROTATED, AuditEvent.Kind.APP_REVOKED]
    assert not AuditEvent.objects.filter(kind__in=kinds).exists()


def test_the_create_rotate_and_revoke_pages_ask_for_the_confirmation_before_the_form(admin_client, make_app):
    app, _ = make_app(["crm.objects.contacts.read"], name="Sync")
    _stale(admin_client)
    for url in (
        reverse("settings_app_create"),
        reverse("settings_app_rotate", args=[app.pk]),
        reverse("settings_app_revoke", args=[app.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("sudo_confirm")), url
    assert admin_client.get(reverse("settings_app_detail", args=[app.pk])).status_code == 200


def test_a_member_is_refused_every_page(client, member_a, make_app):
    app, _ = make_app(["crm.objects.contacts.read"], name="Sync")
    client.force_login(member_a)
    for url in (
        reverse("settings_apps"),
        reverse("settings_app_create"),
        reverse("settings_app_detail", args=[app.pk]),
        reverse("settings_app_rotate", args=[app.pk]),
        reverse("settings_app_revoke", args=[app.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("settings_app_revoke", args=[app.pk])).status_code == 403
    assert PrivateApp.objects.get(pk=app.pk).revoked_at is None


def test_another_tenants_app_is_a_404(client, tenant_b_user, make_app):
    app, _ = make_app(["crm.objects.contacts.read"], name="Sync")
    client.force_login(tenant_b_user)
    assert client.get(reverse("settings_app_detail", args=[app.pk])).status_code == 404
    assert client.post(reverse("settings_app_revoke", args=[app.pk])).status_code == 404
    assert "Sync" not in client.get(reverse("settings_apps")).content.decode()


def test_an_apps_user_is_no_person_on_any_list(admin_client, make_app, tenant_a_admin, sales, salary):
    app, _ = make_app(["crm.objects.contacts.read"], name="Robot")
    pages = [
        reverse("settings_users"),
        reverse("settings_property_access", args=["contacts", "annual_salary"]),  # the grant picker
        reverse("settings_team_detail", args=[sales.pk]),
        reverse("admin:accounts_user_changelist"),
        reverse("record_create", args=["contacts"]),
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert app.user.email not in response.content.decode(), url
    assert admin_client.get(reverse("settings_user_detail", args=[app.user.pk])).status_code == 404
    assert admin_client.get(reverse("admin:accounts_user_change", args=[app.user.pk])).status_code in (302, 404)


def test_no_person_can_be_given_the_app_role(admin_client, tenant_a_admin):
    from accounts import services

    response = admin_client.post(reverse("settings_user_create"), {"email": "bot@acme.test", "role": "app"})
    assert response.status_code == 200
    assert not User.objects.filter(email="bot@acme.test").exists()
    with pytest.raises(Exception, match="Private apps"):
        services.user_create(actor=tenant_a_admin, email="bot2@acme.test", role=User.Role.APP)


def test_an_apps_user_cannot_join_a_team(tenant_a_admin, make_app, sales):
    from django.core.exceptions import ValidationError

    from accounts import services

    app, _ = make_app(["crm.objects.contacts.read"], name="Robot")
    with pytest.raises(ValidationError):
        services.team_member_add(actor=tenant_a_admin, team=sales, user=app.user)
