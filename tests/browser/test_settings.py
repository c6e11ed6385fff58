import pytest

from crm import selectors
from crm.models import PropertyDefinition
from crm.records import services as record_services
from sensitive import grants
from sensitive.models import SensitiveValue
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"wide": 1280, "narrow": 390}


def _screenshots(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=ARTIFACTS / f"settings_{name}_{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_super_admin_creates_a_sensitive_property_and_grants_a_team(
    page, live_server, sign_in, tenant_a_admin, sales
):
    # given
    sign_in("ada@acme.test", PASSWORD)
    page.get_by_role("link", name="Settings").click()
    _screenshots(page, "index")

    # when: a new property
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Properties").click()
    page.get_by_role("link", name="New property").click()
    page.get_by_label("Label").fill("Blood type")
    page.get_by_label("Internal name").fill("blood type")  # a bad name first
    page.get_by_role("combobox", name="Type", exact=True).select_option(label="Choice from a list")
    page.get_by_label("Options").fill("a|A\nb|B\nab|AB\no|O")
    page.get_by_label("Group").fill("Health")
    page.get_by_role("button", name="Create property").click()

    # then: the error sits next to the field and the typed values stay
    assert page.locator("#id_name_error").is_visible()
    assert page.get_by_label("Label").input_value() == "Blood type"
    _screenshots(page, "property_error")
    page.get_by_label("Internal name").fill("blood_type")
    page.get_by_role("button", name="Create property").click()
    assert page.get_by_role("row", name="Blood type").is_visible()
    _screenshots(page, "properties")

    contacts = selectors.object_type_get(actor=tenant_a_admin, name="contacts")
    record_services.record_create(
        actor=tenant_a_admin, object_type=contacts, values={"firstname": "Grace", "blood_type": "ab"}
    )

    # when: it is made sensitive, through the confirmation
    page.get_by_role("link", name="Sensitivity of Blood type").click()
    page.get_by_label("New sensitivity").select_option(label="Sensitive")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("Raising to Sensitive will encrypt 1 existing value").is_visible()
    page.get_by_label("Property name").fill("Blood type")
    page.get_by_role("button", name="Change to Sensitive").click()
    assert page.locator("#id_confirm_error").is_visible()
    _screenshots(page, "sensitivity_confirm")
    page.get_by_label("Property name").fill("blood_type")
    page.get_by_role("button", name="Change to Sensitive").click()

    # then
    assert page.get_by_text("Blood type is now Sensitive.").is_visible()
    blood_type = PropertyDefinition.objects.get(object_type=contacts, name="blood_type")
    assert blood_type.sensitivity == "sensitive"
    assert SensitiveValue.objects.filter(property=blood_type).count() == 1
    assert page.get_by_role("row", name="Blood type").locator(".icon-lock").is_visible()
    _screenshots(page, "properties_sensitive")

    # when: the Sales team may view it
    page.get_by_role("link", name="1 person can see Blood type").click()
    page.get_by_label("User or team").select_option(label="Team: Sales")
    page.get_by_label("Access").select_option(label="View")
    page.get_by_role("button", name="Grant").click()

    # then
    who = page.locator("#who-can-see")
    assert who.get_by_role("row", name="Max Member").get_by_text("team Sales").is_visible()
    assert page.get_by_role("button", name="Revoke team Sales").is_visible()
    lines = grants.property_access_list(actor=tenant_a_admin, definition=blood_type)
    assert {(line.user.email, line.level, line.through) for line in lines} == {
        ("ada@acme.test", "edit", "super admin"),
        ("max@acme.test", "view", "team Sales"),
    }
    _screenshots(page, "access")

    # and Max's page says what he can see, and through which team
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Users").click()
    _screenshots(page, "users")
    page.get_by_role("link", name="max@acme.test").click()
    access = page.get_by_role("table", name="Sensitive properties Max can see")
    assert access.get_by_role("row", name="Contact: Blood type").get_by_text("team Sales").is_visible()
    _screenshots(page, "user")
