import pytest

from accounts import services as account_services
from crm import selectors, services
from crm.models import Record
from crm.records import services as record_services
from sensitive import selectors as sensitive_selectors
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin():
    _, admin = account_services.tenant_create(name="Acme", admin_email="ada@acme.test", admin_password=PASSWORD)
    contacts = selectors.object_type_get(actor=admin, name="contacts")
    services.property_definition_create(
        actor=admin,
        object_type=contacts,
        name="salary",
        label="Salary",
        data_type="number",
        sensitivity="sensitive",
        group="Sensitive information",
    )
    record_services.record_create(
        actor=admin, object_type=contacts, values={"firstname": "Alan", "lastname": "Turing", "salary": 90000}
    )
    return admin


def test_a_bad_number_is_shown_next_to_its_field_then_fixed_and_saved(page, live_server, sign_in, admin):
    # given
    sign_in("ada@acme.test", PASSWORD)
    page.get_by_role("navigation", name="Objects").get_by_role("link", name="Contacts").click()
    page.screenshot(path=ARTIFACTS / "record_index_1280.png", full_page=True)
    page.get_by_role("link", name="New contact").click()

    # when
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Salary").fill("12O000")
    page.get_by_role("button", name="Create contact").click()

    # then
    salary = page.get_by_label("Salary")
    assert salary.input_value() == "12O000"
    assert salary.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{salary.get_attribute('id')}_error")
    assert error.is_visible() and "number" in error.inner_text()
    assert page.get_by_label("First name").input_value() == "Grace"
    assert not Record.objects.filter(display_name="Grace Hopper").exists()
    page.screenshot(path=ARTIFACTS / "record_form_error_1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "record_form_error_390.png", full_page=True)

    # when they fix it, from the error summary, by keyboard
    page.get_by_role("alert").get_by_role("link").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("120000")
    page.get_by_role("button", name="Create contact").click()

    # then
    assert page.get_by_role("heading", level=1).inner_text() == "Grace Hopper"
    assert page.get_by_text("Contact “Grace Hopper” created.").is_visible()
    assert page.get_by_text("120000").is_visible()
    grace = Record.objects.get(display_name="Grace Hopper")
    assert sensitive_selectors.values_read(actor=admin, records=[grace])[grace.pk]["salary"].value == 120000
    page.goto(f"{live_server.url}/o/contacts/?columns=firstname,lastname,salary,lifecyclestage")
    page.screenshot(path=ARTIFACTS / "record_index_390.png", full_page=True)
