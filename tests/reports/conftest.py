"""The cast of the reports' tests: eight contacts with a plain tier, score and joining date, a
sensitive searchable mood (an enumeration) and the sensitive salary."""

import pytest

from accounts import services as account_services
from crm.models import PropertyDefinition
from reports import services
from tests.conftest import PASSWORD
from tests.factories import grant, make_property, make_record

SENSITIVE = PropertyDefinition.Sensitivity.SENSITIVE
# (tier, score, member_since, mood, salary); the last has no mood
CROWD = [
    ("gold", 1, "2026-01-05", "calm", 10_000),
    ("gold", 2, "2026-01-06", "calm", 20_000),
    ("gold", 3, "2026-02-10", "calm", 30_000),
    ("gold", 4, "2026-04-01", "calm", 40_000),
    ("silver", 5, "2026-04-02", "calm", 50_000),
    ("silver", 6, "2026-07-15", "tense", 60_000),
    ("silver", 7, "2026-07-16", "tense", 70_000),
    ("silver", 8, "2026-12-31", None, 80_000),
]


@pytest.fixture
def mood(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return make_property(
        tenant_a_admin,
        contacts_a,
        "mood",
        data_type="enumeration",
        sensitivity=SENSITIVE,
        searchable=True,
        options=[{"value": "calm", "label": "Calm"}, {"value": "tense", "label": "Tense"}],
    )


@pytest.fixture
def crowd(tenant_a_admin, contacts_a, salary, mood):
    make_property(
        tenant_a_admin,
        contacts_a,
        "tier",
        data_type="enumeration",
        options=[{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}],
    )
    make_property(tenant_a_admin, contacts_a, "score", data_type="number")
    make_property(tenant_a_admin, contacts_a, "member_since", data_type="date")
    people = []
    for i, (tier, score, since, feeling, pay) in enumerate(CROWD):
        values = {"firstname": f"C{i}", "tier": tier, "score": score, "member_since": since, "annual_salary": pay}
        if feeling:
            values["mood"] = feeling
        people.append(make_record(tenant_a_admin, contacts_a, **values))
    return people


@pytest.fixture
def granted(tenant_a_admin, mood, salary):
    """A member with view grants on mood and salary."""
    user = account_services.user_create(
        actor=tenant_a_admin, email="gus@acme.test", password=PASSWORD, first_name="Gus", last_name="Granted"
    )
    grant(mood, to=user)
    grant(salary, to=user)
    return user


def make_report(actor, object_type, **fields):
    spec = services.ReportSpec(name=fields.pop("name", "Report"), object_type=object_type, **fields)
    return services.report_create(actor=actor, spec=spec)
