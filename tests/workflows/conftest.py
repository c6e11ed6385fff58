import pytest

from crm.models import PropertyDefinition
from tests.factories import make_property, make_record

CANARY = "Zebracanary"  # a sensitive value that must never be stored, logged or queued in plaintext
CANARY_SALARY = 987_654


@pytest.fixture
def nickname(tenant_a_admin, contacts_a) -> PropertyDefinition:
    """A sensitive, searchable string: its equality filter runs on the blind index."""
    return make_property(
        tenant_a_admin, contacts_a, "nickname", sensitivity=PropertyDefinition.Sensitivity.SENSITIVE, searchable=True
    )


@pytest.fixture
def people(tenant_a_admin, contacts_a, salary, nickname):
    """Five contacts: salaries 10k..50k; two of them nicknamed CANARY."""
    return [
        make_record(
            tenant_a_admin,
            contacts_a,
            firstname=f"P{i}",
            annual_salary=10_000 * i,
            nickname=CANARY if i in (2, 4) else f"other{i}",
        )
        for i in range(1, 6)
    ]
