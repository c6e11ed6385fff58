import pytest

from crm import services
from crm.models import PropertyDefinition
from crm.records import services as record_services
from sensitive import grants, keys

S = PropertyDefinition.Sensitivity


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    keys.forget_cached_keys()
    yield
    keys.forget_cached_keys()


@pytest.fixture
def income(tenant_a_admin, contacts_a) -> PropertyDefinition:
    """A sensitive number that member_a may view, not edit."""
    definition = services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="income",
        label="Income",
        data_type="number",
        sensitivity=S.SENSITIVE,
    )
    return definition


@pytest.fixture
def condition(tenant_a_admin, contacts_a) -> PropertyDefinition:
    """A highly sensitive choice, with labels unlike its values."""
    return services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="condition",
        label="Condition",
        data_type="enumeration",
        sensitivity=S.HIGHLY_SENSITIVE,
        options=[{"value": "asthma", "label": "Asthma (chronic)"}, {"value": "flu", "label": "Influenza"}],
    )


@pytest.fixture
def member_a_views_income(tenant_a_admin, member_a, income):
    grants.property_grant(actor=tenant_a_admin, definition=income, grantee=member_a, level="view")
    return member_a


@pytest.fixture
def admins_contact(tenant_a_admin, contacts_a, income, condition):
    return record_services.record_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        values={"firstname": "Grace", "lastname": "Hopper", "income": 120_000, "condition": "asthma"},
    )


@pytest.fixture
def members_contact(tenant_a_admin, member_a, contacts_a, income):
    return record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Alan", "income": 80_000}, owner=member_a
    )
