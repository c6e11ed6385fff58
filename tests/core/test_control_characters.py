"""A control character in any input is refused with a 400 before it reaches a query, never a 500.

PostgreSQL cannot hold NUL in text, so a NUL that reaches a query is an exception; the other C0
controls (but tab, line feed and carriage return) have no place in a CRM's text either.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm.models import PropertyDefinition

pytestmark = pytest.mark.django_db

SECRET = "078-05-1120"  # stands in for a value that must not be echoed back


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def _assert_refused(response) -> None:
    assert response.status_code == 400
    page = response.content.decode()
    assert "control character" in page
    assert SECRET not in page


@pytest.mark.parametrize(
    ("_case", "field"),
    [("nul_in_email", "abc\x00def"), ("escape_in_email", "abc\x1bdef"), ("bell_in_email", "a\x07@acme.test")],
)
def test_sign_in_with_a_control_character_in_the_email_is_refused(password_only_client, tenant_a_admin, _case, field):
    # when
    response = password_only_client.post("/accounts/login/", {"username": field, "password": SECRET})

    # then
    _assert_refused(response)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED).exists()


def test_a_nul_in_the_sudo_confirmation_is_refused(admin_client):
    response = admin_client.post("/accounts/confirm/", {"password": f"{SECRET}\x00", "code": "12\x0034"})

    _assert_refused(response)


def test_a_nul_in_a_record_form_is_refused(admin_client):
    response = admin_client.post("/o/contacts/new/", {"firstname": f"Gr\x00ace {SECRET}", "lastname": "Hopper"})

    _assert_refused(response)
    assert not admin_client.get("/o/contacts/").content.decode().count("Hopper")


def test_a_nul_in_a_settings_form_is_refused(admin_client):
    response = admin_client.post(
        "/settings/properties/contacts/new/",
        {"name": "tax\x00id", "label": "Tax id", "data_type": "string", "sensitivity": "none"},
    )

    _assert_refused(response)


def test_a_nul_in_a_field_name_is_refused(admin_client):
    response = admin_client.post("/settings/teams/", {"name": "Sales", "na\x00me": "x"})

    _assert_refused(response)


@pytest.mark.parametrize(
    ("_case", "url", "data"),
    [
        ("admin_add_form", "/admin/accounts/tenant/add/", {"name": "Ini\x00tech", "admin_email": "a@b.test"}),
        ("admin_search", "/admin/accounts/user/?q=ada%00", None),
        ("admin_filter", "/admin/accounts/user/?tenant__id__exact=%00", None),
    ],
)
def test_a_nul_in_the_admin_is_refused(operator_client, tenant_a_admin, _case, url, data):
    response = operator_client.post(url, data) if data else operator_client.get(url)

    _assert_refused(response)


@pytest.mark.parametrize(
    "query",
    [
        "q=ada%00",
        "sort=firstname%00",
        "columns=firstname,%00",
        "f.firstname=a%00b",
        "after=%00",
        "before=%01",
    ],
)
def test_a_control_character_in_the_index_query_is_refused(admin_client, query):
    response = admin_client.get(f"/o/contacts/?{query}")

    _assert_refused(response)


@pytest.mark.parametrize("query", ["record=%00", "property=phone%00", "kind=sign_in%00", "actor=%00", "since=%00"])
def test_a_control_character_in_the_audit_viewer_query_is_refused(admin_client, query):
    for url in ("/audit/", "/audit/export.csv"):
        response = admin_client.get(f"{url}?{query}")

        _assert_refused(response)


@pytest.mark.parametrize(
    "path", ["/o/con%00tacts/", "/o/contacts/ab%00cd/", "/settings/properties/contacts/edit/a%00/"]
)
def test_a_nul_in_the_address_is_refused(admin_client, path):
    response = admin_client.get(path)

    _assert_refused(response)


def test_a_session_cookie_with_a_nul_is_dropped(password_only_client):
    # given a session cookie no browser would send
    password_only_client.cookies["sessionid"] = "abcdefgh\x00ijk"

    # when
    page = password_only_client.get("/o/contacts/")

    # then it counts as no session
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_tabs_and_line_breaks_in_a_text_area_are_kept(admin_client):
    # given a description over two lines, with a tab
    description = "First line\r\nSecond\tline"

    # when
    response = admin_client.post(
        "/settings/properties/contacts/new/",
        {"name": "tax_id", "label": "Tax id", "data_type": "string", "sensitivity": "none", "description": description},
    )

    # then
    assert response.status_code == 302
    assert PropertyDefinition.objects.get(name="tax_id").description == description
