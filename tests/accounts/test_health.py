"""Each health check turns from failing (or warning) to ok when its fix is applied."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts import health, security, services
from accounts.models import User
from sensitive import grants
from sensitive.models import TenantKeyset
from tests.conftest import totp_device


def _state(tenant, check) -> str:
    tenant.refresh_from_db()
    return check(tenant).state


def test_mfa_required_for_all(tenant_a_admin):
    tenant = tenant_a_admin.tenant
    security.tenant_security_update(actor=tenant_a_admin, require_mfa=False)
    assert _state(tenant, health.mfa_required_for_all) == health.FAILING

    security.tenant_security_update(actor=tenant_a_admin, require_mfa=True)

    assert _state(tenant, health.mfa_required_for_all) == health.OK


def test_users_without_mfa(tenant_a_admin, member_a):
    result = health.users_without_mfa(tenant_a_admin.tenant)
    assert result.state == health.WARNING and "max@acme.test" in result.details

    for user in (tenant_a_admin, member_a):
        totp_device(user)

    assert _state(tenant_a_admin.tenant, health.users_without_mfa) == health.OK


def test_too_many_super_admins(tenant_a_admin):
    extra = [
        services.user_create(actor=tenant_a_admin, email=f"boss{i}@acme.test", role=User.Role.SUPER_ADMIN)
        for i in range(3)
    ]
    assert _state(tenant_a_admin.tenant, health.super_admin_count) == health.WARNING

    services.super_admin_remove(actor=tenant_a_admin, user=extra[0])

    assert _state(tenant_a_admin.tenant, health.super_admin_count) == health.OK


def test_long_inactivity_timeout(tenant_a_admin):
    security.tenant_security_update(actor=tenant_a_admin, session_idle_minutes=120)
    assert _state(tenant_a_admin.tenant, health.inactivity_timeout) == health.WARNING

    security.tenant_security_update(actor=tenant_a_admin, session_idle_minutes=30)

    assert _state(tenant_a_admin.tenant, health.inactivity_timeout) == health.OK


def test_a_sensitive_property_granted_to_everyone(tenant_a_admin, member_a, salary):
    everyone = services.team_create(actor=tenant_a_admin, name="Everyone")
    services.team_member_add(actor=tenant_a_admin, team=everyone, user=member_a)
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=everyone, level="view")
    result = health.sensitive_properties_everyone_sees(tenant_a_admin.tenant)
    assert result.state == health.FAILING and "Annual salary" in result.details[0]

    grants.property_revoke(actor=tenant_a_admin, definition=salary, grantee=everyone)

    assert _state(tenant_a_admin.tenant, health.sensitive_properties_everyone_sees) == health.OK


def test_dormant_users_with_grants(tenant_a_admin, member_a, salary):
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=member_a, level="view")
    User.objects.filter(pk=member_a.pk).update(last_login=timezone.now() - dt.timedelta(days=120))
    assert _state(tenant_a_admin.tenant, health.dormant_grant_holders) == health.WARNING

    grants.property_revoke(actor=tenant_a_admin, definition=salary, grantee=member_a)

    assert _state(tenant_a_admin.tenant, health.dormant_grant_holders) == health.OK


def test_an_old_tenant_key(tenant_a_admin, salary):
    tenant = tenant_a_admin.tenant
    TenantKeyset.objects.filter(tenant=tenant).update(created_at=timezone.now() - dt.timedelta(days=400))
    assert _state(tenant, health.tenant_key_age) == health.WARNING

    from sensitive import rotation

    rotation.tenant_key_rotate(tenant=tenant)

    assert _state(tenant, health.tenant_key_age) == health.OK


def test_deployment_settings(tenant_a_admin, settings):
    settings.DEBUG = True
    assert _state(tenant_a_admin.tenant, health.deployment) == health.FAILING

    settings.DEBUG = False
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True

    assert _state(tenant_a_admin.tenant, health.deployment) == health.OK


def test_the_page_and_the_command_show_the_same_checks(client, tenant_a_admin, capsys):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("security_health")).content.decode()
    call_command("security_check", "--tenant", "Acme")

    out = capsys.readouterr().out
    for check in health.REGISTRY:
        title = check(tenant_a_admin.tenant).title
        assert escape(title) in page and title in out
    assert "Action:" in out


@pytest.mark.parametrize("name", ["Nope"])
def test_the_command_names_an_unknown_tenant(db, name):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No tenant named"):
        call_command("security_check", "--tenant", name)
