"""The shared cast of every test. Each name and email has one meaning; use these, don't define another.

Tenant A, "Acme":
    tenant_a_admin       Ada, ada@acme.test: super admin.
    member_direct_grant  Dee Direct, dee@acme.test: member with a direct view grant on `salary`.
    member_team_grant    Tim Team, tim@acme.test: member of the `clinicians` team, which may view `salary`.
    member_a             Max Member, max@acme.test: member without any grant.
Tenant B, "Globex":
    tenant_b_user        Bea, bea@globex.test: super admin.
No tenant:
    operator             Ops, ops@platform.test: platform operator.

Clients: `client` (force_login is the full sign-in with MFA), `password_only_client`, `admin_client`
(Ada, signed in), `signed_in` (Max after the password step only); `clock` moves session time.

Shared data of tenant A (made by Ada through the services; see tests/factories.py for more):
    contacts_a, companies_a   the standard object types (contacts_b: Globex's contacts).
    salary                    "annual_salary", sensitive number, searchable.
    diagnosis                 "diagnosis", highly sensitive enumeration (asthma, diabetes), searchable.
    clinicians                team "Clinicians": Tim, with a view grant on `salary`.
    sales                     team "Sales": Max, no grants.
    gov_id                    "gov_id" ("Government id"), highly sensitive text.
    alan                      contact Alan Turing: plain values only.
    grace                     contact Grace Hopper: gov_id 078-05-1120.
    rosalind                  contact Rosalind: salary 91250, diagnosis asthma.

A user who is genuinely different for one test (a special record scope, a time zone) stays local to
its module under a name of its own.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts import services as account_services
from accounts.models import Team, User
from accounts.sudo import CONFIRMED_AT
from audit import chain_keys
from crm import selectors
from crm.models import PropertyDefinition, Record
from sensitive import keys
from tests.factories import grant, make_property, make_record, make_team

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
def admin_client(client, tenant_a_admin) -> VerifiedClient:
    """Ada, signed in (this replaces pytest-django's fixture of that name, which has no tenant)."""
    client.force_login(tenant_a_admin)
    return client


@pytest.fixture
def password_only_client() -> Client:
    """A client whose force_login is the password step alone."""
    return Client()


@pytest.fixture
def signed_in(password_only_client, member_a) -> Client:
    """Max after the password step only."""
    password_only_client.post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})
    return password_only_client


@pytest.fixture
def clock(monkeypatch):
    """The clock of session security; `clock.advance(minutes=...)` is time travel."""

    class Clock:
        current = timezone.now()

        def advance(self, **delta):
            self.current += dt.timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(security, "now", lambda: fake.current)
    return fake


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
def member_direct_grant(tenant_a_admin, salary) -> User:
    dee = account_services.user_create(
        actor=tenant_a_admin, email="dee@acme.test", password=PASSWORD, first_name="Dee", last_name="Direct"
    )
    grant(salary, to=dee)
    return dee


@pytest.fixture
def member_team_grant(clinicians) -> User:
    return clinicians.group.user_set.get(email="tim@acme.test")


@pytest.fixture
def clinicians(tenant_a_admin, salary) -> Team:
    tim = account_services.user_create(
        actor=tenant_a_admin, email="tim@acme.test", password=PASSWORD, first_name="Tim", last_name="Team"
    )
    team = make_team(tenant_a_admin, "Clinicians", members=[tim])
    grant(salary, to=team)
    return team


@pytest.fixture
def sales(tenant_a_admin, member_a) -> Team:
    return make_team(tenant_a_admin, "Sales", members=[member_a])


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
def contacts_b(tenant_b_user):
    return selectors.object_type_get(actor=tenant_b_user, name="contacts")


@pytest.fixture
def companies_a(tenant_a_admin):
    return selectors.object_type_get(actor=tenant_a_admin, name="companies")


@pytest.fixture
def salary(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return make_property(
        tenant_a_admin,
        contacts_a,
        "annual_salary",
        data_type="number",
        sensitivity=PropertyDefinition.Sensitivity.SENSITIVE,
        searchable=True,
    )


@pytest.fixture
def diagnosis(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return make_property(
        tenant_a_admin,
        contacts_a,
        "diagnosis",
        data_type="enumeration",
        sensitivity=PropertyDefinition.Sensitivity.HIGHLY_SENSITIVE,
        searchable=True,
        options=[{"value": "asthma", "label": "Asthma"}, {"value": "diabetes", "label": "Diabetes"}],
    )


@pytest.fixture
def gov_id(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return make_property(
        tenant_a_admin,
        contacts_a,
        "gov_id",
        label="Government id",
        sensitivity=PropertyDefinition.Sensitivity.HIGHLY_SENSITIVE,
    )


@pytest.fixture
def alan(tenant_a_admin, contacts_a) -> Record:
    return make_record(tenant_a_admin, contacts_a, firstname="Alan", lastname="Turing")


@pytest.fixture
def grace(tenant_a_admin, contacts_a, gov_id) -> Record:
    return make_record(tenant_a_admin, contacts_a, firstname="Grace", lastname="Hopper", gov_id="078-05-1120")


@pytest.fixture
def rosalind(tenant_a_admin, contacts_a, salary, diagnosis) -> Record:
    return make_record(tenant_a_admin, contacts_a, firstname="Rosalind", annual_salary=91_250, diagnosis="asthma")


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    """Data keys are cached per process; each test's database has its own."""
    keys.forget_cached_keys()
    yield
    keys.forget_cached_keys()


@pytest.fixture(autouse=True)
def _fresh_audit_chain_keys():
    """The chains' MAC keys are cached per process; each test's database starts without them."""
    chain_keys.forget_cached_keys()
    yield
    chain_keys.forget_cached_keys()


@pytest.fixture
def decryptions(monkeypatch):
    """How many values each batch decryption took (the real decryption still runs): a test that
    asserts a path decrypts nothing, or what it decrypts."""
    from sensitive import crypto

    calls, real = [], crypto.decrypt_many
    monkeypatch.setattr(crypto, "decrypt_many", lambda keys, items: calls.append(len(items)) or real(keys, items))
    return calls
