import pytest

from accounts import services as account_services
from crm.records import services as record_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_signs_in_finds_a_contact_and_opens_it(
    page, live_server, sign_in, tenant_a_admin, contacts_a, companies_a
):
    # given
    admin, contacts, companies = tenant_a_admin, contacts_a, companies_a
    grace = record_services.record_create(
        actor=admin, object_type=contacts, values={"firstname": "Grace", "lastname": "Hopper", "email": "g@navy.test"}
    )
    record_services.record_create(actor=admin, object_type=contacts, values={"firstname": "Alan", "lastname": "Turing"})
    navy = record_services.record_create(actor=admin, object_type=companies, values={"name": "US Navy"})
    record_services.association_create(actor=admin, from_record=grace, to_record=navy)

    # when
    sign_in("ada@acme.test", PASSWORD)
    page.get_by_role("navigation", name="Objects").get_by_role("link", name="Contacts").click()
    page.get_by_label("Search contacts").fill("hopper")
    page.get_by_role("button", name="Search").click()

    # then
    table = page.get_by_role("table")
    assert table.get_by_role("link", name="Grace Hopper").is_visible()
    assert table.get_by_text("Alan Turing").count() == 0
    table.get_by_role("link", name="Grace Hopper").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Grace Hopper"
    assert page.get_by_text("g@navy.test").is_visible()
    assert page.get_by_role("link", name="US Navy").is_visible()


def test_a_wrong_password_shows_an_error(page, live_server):
    account_services.tenant_create(name="Acme", admin_email="ada@acme.test", admin_password=PASSWORD)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Email").input_value() == "ada@acme.test"
