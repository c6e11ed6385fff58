"""The shared cast of every test: two tenants, their super admins and members, and a platform operator."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from accounts.models import User
from crm import selectors

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def tenant_a_admin(db) -> User:
    _, admin = account_services.tenant_create(name="Acme", admin_email="ada@acme.test", admin_password=PASSWORD)
    return admin


@pytest.fixture
def tenant_a(tenant_a_admin):
    return tenant_a_admin.tenant


@pytest.fixture
def member_a(tenant_a_admin) -> User:
    return account_services.user_create(
        actor=tenant_a_admin, email="max@acme.test", password=PASSWORD, first_name="Max", last_name="Member"
    )


@pytest.fixture
def tenant_b_user(db) -> User:
    _, admin = account_services.tenant_create(name="Globex", admin_email="bea@globex.test", admin_password=PASSWORD)
    return admin


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser("ops@platform.test", PASSWORD)


@pytest.fixture
def contacts_a(tenant_a_admin):
    return selectors.object_type_get(actor=tenant_a_admin, name="contacts")


@pytest.fixture
def companies_a(tenant_a_admin):
    return selectors.object_type_get(actor=tenant_a_admin, name="companies")
