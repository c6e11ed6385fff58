"""create_api_token: the token alone on stdout, for scripts; bad input a clear CommandError."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import PrivateApp
from audit.models import AuditEvent
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_only_a_working_token(tenant_a, alan):
    out, err = _run("--tenant", "acme", "--name", "CI", "--scopes", "crm.objects.contacts.read, crm.objects.deals.read")

    token = out.strip()
    assert out == token + "\n" and token.startswith("pat-crm1-")
    assert "shown only this once" in err
    app = PrivateApp.objects.get(name="CI")
    assert app.scopes == ["crm.objects.contacts.read", "crm.objects.deals.read"] and app.created_by is None
    assert ApiClient(token).get(f"/crm/v3/objects/contacts/{alan.number}").status_code == 200
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.APP_CREATED)
    assert event.actor is None and event.tenant_id == tenant_a.pk


def test_it_takes_the_allowlist_ranges_and_expiry(tenant_a, salary):
    _run(
        "--tenant=Acme",
        "--name=Payroll",
        "--scopes=crm.objects.contacts.sensitive.read.v2",
        "--allowlist=contacts.annual_salary",
        "--ip-range",
        "10.0.0.0/8",
        "2001:db8::/32",
        "--ip-range=203.0.113.9",
        "--expires=2099-12-31",
    )
    app = PrivateApp.objects.get(name="Payroll")
    assert app.scopes == ["crm.objects.contacts.sensitive.read"]
    assert app.sensitive_allowlist == ["contacts.annual_salary"]
    assert app.allowed_ip_ranges == ["10.0.0.0/8", "2001:db8::/32", "203.0.113.9/32"]
    assert app.expires_at == dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--tenant=Nobody", "--scopes=tickets"], "No tenant named 'Nobody'", id="unknown_tenant_case"),
        pytest.param(["--tenant=Acme", "--scopes=crm.objects.everything"], "is not a scope", id="unknown_scope_case"),
        pytest.param(["--tenant=Acme", "--scopes=,"], "Pick at least one scope", id="no_scope_case"),
        pytest.param(["--tenant=Acme", "--scopes=tickets", "--ip-range=10.0.0.0/99"], "not an IP", id="bad_range_case"),
        pytest.param(["--tenant=Acme", "--scopes=tickets", "--expires=31/12/2099"], "not a date", id="bad_date_case"),
        pytest.param(["--tenant=Acme", "--scopes=tickets", "--expires=2001-01-01"], "future", id="past_date_case"),
        pytest.param(
            ["--tenant=Acme", "--scopes=tickets", "--allowlist=contacts.firstname"],
            "not a sensitive property",
            id="not_sensitive_case",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_makes_nothing(tenant_a, args, message):
    with pytest.raises(CommandError, match=message):
        _run("--name=CI", *args)
    assert not PrivateApp.objects.exists()


def test_a_duplicate_name_is_refused(tenant_a):
    _run("--tenant=Acme", "--name=CI", "--scopes=tickets")
    with pytest.raises(CommandError, match="already exists"):
        _run("--tenant=Acme", "--name=ci", "--scopes=tickets")
    assert PrivateApp.objects.count() == 1
