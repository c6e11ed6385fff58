import re

from django.contrib import admin
from django.urls import reverse

from crm.models import Record
from crm.records import api as records_api
from sensitive import grants, selectors
from sensitive.models import SensitiveValue
from sensitive.readings import State


def test_the_admin_shows_sensitive_values_through_the_choke_point(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:crm_record_change", args=[rosalind.pk])).content.decode()

    assert 'name="sensitive__annual_salary"' in page and 'value="91250"' in page
    assert 'name="sensitive__diagnosis"' in page and "leave empty to keep" in page
    assert "Highly sensitive" in page


def test_the_admin_edits_a_sensitive_value_and_keeps_a_masked_one(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[rosalind.pk]),
        {
            "owner": tenant_a_admin.pk,
            "properties": '{"firstname": "Rosalind"}',
            "sensitive__annual_salary": "95000",
            "sensitive__diagnosis": "",
        },
    )

    assert response.status_code == 302
    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind], reveal=True)[rosalind.pk]
    assert readings["annual_salary"].value == 95_000
    assert readings["diagnosis"].value == "asthma"


def test_a_bad_sensitive_value_in_the_admin_is_a_form_error(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[rosalind.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Rosalind"}', "sensitive__annual_salary": "lots"},
    )

    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()
    assert selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"].value == 91_250


# --- clearing a masked value ---------------------------------------------------------------------

CLEAR = "clear__sensitive__diagnosis"


def change_url(record) -> str:
    return reverse("admin:crm_record_change", args=[record.pk])


def stored(record, name) -> bool:
    return SensitiveValue.objects.filter(record=record, property__name=name).exists()


def test_the_admin_offers_clear_on_the_row_after_a_masked_value_only(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = client.get(change_url(rosalind)).content.decode()

    checkbox = re.search(rf'<input[^>]*name="{CLEAR}"[^>]*>', page).group(0)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox
    assert re.search(
        r'<label class="vCheckboxLabel" for="id_clear__sensitive__diagnosis">Clear the current value', page
    )
    rows = re.findall(r'<div class="form-row[^"]*field-([\w-]+)', page)
    assert rows[rows.index("sensitive__diagnosis") + 1] == CLEAR
    assert "clear__sensitive__annual_salary" not in page  # shown, so emptying it clears it
    assert '<option value="asthma" selected' not in page


def test_clear_in_the_admin_deletes_the_masked_value(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(
        change_url(rosalind),
        {
            "owner": tenant_a_admin.pk,
            "properties": '{"firstname": "Rosalind"}',
            "sensitive__annual_salary": "91250",
            "sensitive__diagnosis": "",
            CLEAR: "on",
        },
    )

    assert response.status_code == 302
    assert not stored(rosalind, "diagnosis")
    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind], reveal=True)[rosalind.pk]
    assert readings["diagnosis"].state == State.EMPTY
    assert readings["annual_salary"].value == 91_250


def test_clear_and_a_new_value_in_the_admin_is_an_error_and_nothing_is_saved(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(
        change_url(rosalind),
        {
            "owner": tenant_a_admin.pk,
            "properties": '{"firstname": "Augusta"}',
            "sensitive__annual_salary": "95000",
            "sensitive__diagnosis": "diabetes",
            CLEAR: "on",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Either type a new value or tick Clear, not both." in page
    assert '<option value="diabetes" selected>' in page
    assert "checked" in re.search(rf'<input[^>]*name="{CLEAR}"[^>]*>', page).group(0)
    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind], reveal=True)[rosalind.pk]
    assert readings["diagnosis"].value == "asthma" and readings["annual_salary"].value == 91_250
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"


def test_the_admin_form_gives_no_clear_to_a_user_who_may_not_edit_and_ignores_a_forged_one(
    rf, tenant_a_admin, member_a, rosalind, diagnosis
):
    # The admin lets in super admins only (tests/crm/test_admin.py); the form holds the rule on its own too.
    grants.property_grant(actor=tenant_a_admin, definition=diagnosis, grantee=member_a, level="view")
    request = rf.get("/")
    request.user = member_a
    form_class = admin.site._registry[Record].get_form(request, rosalind)

    form = form_class(
        {"owner": member_a.pk, "properties": '{"firstname": "Rosalind"}', "sensitive__diagnosis": "", CLEAR: "on"},
        instance=rosalind,
    )

    assert form[CLEAR].is_hidden and form.fields[CLEAR].disabled
    assert "checkbox" not in str(form[CLEAR])
    assert form.is_valid(), form.errors
    records_api.record_write(actor=member_a, record=rosalind, values=form.sensitive_changes())  # as the admin saves
    assert stored(rosalind, "diagnosis")
    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind], reveal=True)[rosalind.pk]
    assert readings["diagnosis"].value == "asthma"
