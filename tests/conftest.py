"""The shared cast of every test: two tenants, their super admins and members, and a platform operator."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts import services as account_services
from accounts.models import User
from accounts.sudo import CONFIRMED_AT
from audit import chain_keys
from crm import selectors

PASSWORD = "correct-horse-battery-staple"


def totp_device(user: User) -> TOTPDevice:
    """The user's authenticator app, as a test holds it: the same secret, so it can compute codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def totp_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


class VerifiedClient(Client):
    """force_login signs in as after the full sign-in: password, second factor, a fresh confirmation."""

    def force_login(self, user, backend="django.contrib.auth.backends.ModelBackend"):
        super().force_login(user, backend)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session[CONFIRMED_AT] = security.now().timestamp()
        session.save()


@pytest.fixture
def client() -> VerifiedClient:
    return VerifiedClient()


@pytest.fixture
def password_only_client() -> Client:
    """A client whose force_login is the password step alone."""
    return Client()


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


@pytest.fixture(autouse=True)
def _fresh_audit_chain_keys():
    """The chains' MAC keys are cached per process; each test's database starts without them."""
    chain_keys.forget_cached_keys()
    yield
    chain_keys.forget_cached_keys()
