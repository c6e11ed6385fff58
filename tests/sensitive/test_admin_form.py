from django.urls import reverse

from sensitive import selectors


def test_the_admin_shows_sensitive_values_through_the_choke_point(client, tenant_a_admin, ada):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:crm_record_change", args=[ada.pk])).content.decode()

    assert 'name="sensitive__annual_salary"' in page and 'value="91250"' in page
    assert 'name="sensitive__diagnosis"' in page and "leave empty to keep" in page
    assert "Highly sensitive" in page


def test_the_admin_edits_a_sensitive_value_and_keeps_a_masked_one(client, tenant_a_admin, ada):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[ada.pk]),
        {
            "owner": tenant_a_admin.pk,
            "properties": '{"firstname": "Ada"}',
            "sensitive__annual_salary": "95000",
            "sensitive__diagnosis": "",
        },
    )

    assert response.status_code == 302
    readings = selectors.values_read(actor=tenant_a_admin, records=[ada], reveal=True)[ada.pk]
    assert readings["annual_salary"].value == 95_000
    assert readings["diagnosis"].value == "asthma"


def test_a_bad_sensitive_value_in_the_admin_is_a_form_error(client, tenant_a_admin, ada):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[ada.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Ada"}', "sensitive__annual_salary": "lots"},
    )

    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()
    assert selectors.values_read(actor=tenant_a_admin, records=[ada])[ada.pk]["annual_salary"].value == 91_250
