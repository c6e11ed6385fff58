import pytest

from crm import services
from crm.models import PropertyDefinition
from crm.records import services as record_services
from sensitive import keys

S = PropertyDefinition.Sensitivity


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    keys.forget_cached_keys()
    yield
    keys.forget_cached_keys()


@pytest.fixture
def salary(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="annual_salary",
        label="Annual salary",
        data_type="number",
        sensitivity=S.SENSITIVE,
        searchable=True,
    )


@pytest.fixture
def diagnosis(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="diagnosis",
        label="Diagnosis",
        data_type="enumeration",
        sensitivity=S.HIGHLY_SENSITIVE,
        searchable=True,
        options=[{"value": "asthma", "label": "Asthma"}, {"value": "diabetes", "label": "Diabetes"}],
    )


@pytest.fixture
def ada(tenant_a_admin, contacts_a, salary, diagnosis):
    return record_services.record_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        values={"firstname": "Ada", "annual_salary": 91_250, "diagnosis": "asthma"},
    )
