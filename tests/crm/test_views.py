import pytest
from django.urls import reverse

from crm.records import services as record_services
from tests.conftest import PASSWORD


def test_pages_need_a_signed_in_user(client, alan):
    response = client.get(reverse("record_index", args=["contacts"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_index_lists_and_searches_records(client, member_a, alan):
    client.force_login(member_a)

    response = client.get(reverse("record_index", args=["contacts"]), {"q": "turing"})

    assert response.status_code == 200
    assert "Alan Turing" in response.content.decode()


def test_the_record_page_shows_values_and_associations(client, member_a, alan, tenant_a_admin, companies_a):
    company = record_services.record_create(
        actor=tenant_a_admin, object_type=companies_a, values={"name": "Analytical"}
    )
    record_services.association_create(actor=tenant_a_admin, from_record=alan, to_record=company)
    client.force_login(member_a)

    page = client.get(reverse("record_detail", args=["contacts", alan.pk])).content.decode()

    assert "Alan Turing" in page and "Analytical" in page


@pytest.mark.parametrize("_case", ["other_tenant", "unknown_id", "malformed_id", "wrong_type"])
def test_other_tenants_ids_are_a_plain_404(client, alan, tenant_b_user, member_a, _case):
    user, type_name, record_id = {
        "other_tenant": (tenant_b_user, "contacts", alan.pk),
        "unknown_id": (member_a, "contacts", "00000000-0000-0000-0000-000000000000"),
        "malformed_id": (member_a, "contacts", "nope"),
        "wrong_type": (member_a, "companies", alan.pk),
    }[_case]
    client.force_login(user)

    response = client.get(reverse("record_detail", args=[type_name, record_id]))

    assert response.status_code == 404


def test_sign_in_with_email_and_password_leads_to_the_second_factor(password_only_client, member_a):
    response = password_only_client.post(reverse("login"), {"username": "max@acme.test", "password": PASSWORD})

    assert response.status_code == 302
    assert password_only_client.get(reverse("home"))["Location"].startswith(reverse("mfa_enrol"))
