import pytest
from django.urls import reverse

from crm import services
from crm.models import Record


@pytest.fixture
def ada(tenant_a_admin, contacts_a):
    return services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Ada"})


@pytest.fixture
def eve(tenant_b_user):
    from crm import selectors

    contacts_b = selectors.object_type_get(actor=tenant_b_user, name="contacts")
    return services.record_create(actor=tenant_b_user, object_type=contacts_b, values={"firstname": "Eve"})


def test_a_super_admin_sees_only_their_tenants_records(client, tenant_a_admin, ada, eve):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:crm_record_changelist")).content.decode()

    assert "Ada" in page and "Eve" not in page
    assert client.get(reverse("admin:crm_record_change", args=[eve.pk])).status_code in (302, 404)


def test_a_member_cannot_use_the_admin(client, member_a):
    client.force_login(member_a)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302


def test_a_platform_operator_sees_tenants_and_cannot_edit_records(client, operator, ada):
    client.force_login(operator)

    assert "Acme" in client.get(reverse("admin:accounts_tenant_changelist")).content.decode()
    response = client.post(reverse("admin:crm_record_change", args=[ada.pk]), {"properties": '{"firstname": "Op"}'})
    assert response.status_code == 403
    ada.refresh_from_db()
    assert ada.properties["firstname"] == "Ada"


def test_a_bad_value_in_the_admin_is_a_form_error(client, tenant_a_admin, ada, contacts_a):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[ada.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Ada", "lifecyclestage": "vip"}'},
    )

    assert response.status_code == 200
    assert "Lifecycle stage (lifecyclestage): must be one of the options" in response.content.decode()
    ada.refresh_from_db()
    assert "lifecyclestage" not in ada.properties


def test_a_super_admin_edits_a_record_through_the_services(client, tenant_a_admin, ada):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[ada.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Augusta", "lifecyclestage": "Customer"}'},
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.properties == {"firstname": "Augusta", "lifecyclestage": "customer"}
    assert ada.display_name == "Augusta"


def test_an_operator_creates_a_tenant_in_the_admin(client, operator):
    client.force_login(operator)

    response = client.post(
        reverse("admin:accounts_tenant_add"),
        {"name": "Initech", "admin_email": "bill@initech.test"},
    )

    assert response.status_code == 302
    assert Record.objects.count() == 0
    from accounts.models import User

    assert User.objects.get(email="bill@initech.test").is_super_admin
