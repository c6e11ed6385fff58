import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import services
from accounts.models import Tenant, User
from crm.models import ObjectType, Pipeline, PropertyDefinition
from tests.conftest import PASSWORD


def test_it_seeds_standard_object_types_properties_and_pipelines(db):
    # when
    tenant, admin = services.tenant_create(name="Acme", admin_email="Ada@Acme.test", admin_password=PASSWORD)

    # then
    assert admin.email == "ada@acme.test"
    assert admin.is_super_admin and admin.is_staff and not admin.is_superuser
    names = set(ObjectType.objects.for_tenant(tenant).values_list("name", flat=True))
    assert names == {"contacts", "companies", "deals", "tickets"}
    contact_props = set(
        PropertyDefinition.objects.filter(object_type__tenant=tenant, object_type__name="contacts").values_list(
            "name", flat=True
        )
    )
    assert {"email", "firstname", "lastname", "phone", "lifecyclestage"} <= contact_props
    deal_stage = PropertyDefinition.objects.get(object_type__tenant=tenant, name="dealstage")
    assert "closed_won" in deal_stage.option_values
    assert Pipeline.objects.for_tenant(tenant).count() == 2


def test_each_tenant_gets_its_own_schema(db):
    tenant_1, _ = services.tenant_create(name="One", admin_email="a@one.test", admin_password=PASSWORD)
    tenant_2, _ = services.tenant_create(name="Two", admin_email="a@two.test", admin_password=PASSWORD)

    assert ObjectType.objects.for_tenant(tenant_1).count() == 4
    assert ObjectType.objects.for_tenant(tenant_2).count() == 4
    assert not set(ObjectType.objects.for_tenant(tenant_1)) & set(ObjectType.objects.for_tenant(tenant_2))


@pytest.mark.parametrize(
    ("_case", "name", "email", "password", "field"),
    [
        ("empty_name", " ", "a@x.test", PASSWORD, "name"),
        ("bad_email", "X", "not-an-email", PASSWORD, "email"),
        ("weak_password", "X", "a@x.test", "123", "password"),
    ],
)
def test_it_rejects_bad_input_and_creates_nothing(db, _case, name, email, password, field):
    with pytest.raises(ValidationError) as error:
        services.tenant_create(name=name, admin_email=email, admin_password=password)

    assert field in error.value.message_dict
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_it_rejects_a_duplicate_tenant_name(tenant_a):
    with pytest.raises(ValidationError, match="already exists"):
        services.tenant_create(name="ACME", admin_email="other@acme.test", admin_password=PASSWORD)


def test_the_command_creates_a_tenant(db, capsys):
    call_command("create_tenant", "Initech", "--admin-email", "bill@initech.test", "--admin-password", PASSWORD)

    assert "Created tenant 'Initech'" in capsys.readouterr().out
    assert User.objects.get(email="bill@initech.test").tenant.name == "Initech"


def test_the_command_reports_bad_input_without_a_traceback(db):
    with pytest.raises(CommandError, match="password"):
        call_command("create_tenant", "Initech", "--admin-email", "bill@initech.test", "--admin-password", "short")
