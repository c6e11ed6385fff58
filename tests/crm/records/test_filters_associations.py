"""Filters on properties of associated records ("associations.<type>.<property>"): the three paths
agree, links count in either direction, hidden and archived records do not, negations mean "no
associated record meets it", and the permission and audit rules are a filter's."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from crm import selectors
from crm.models import PropertyDefinition, RecordScope
from crm.records import api as records_api
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from crm.records.filters import Filter, FilterQuery, FilterRefused, Operator, RevealRequired
from sensitive import grants
from tests.crm.records.test_filters_paths import COPIES, OPTIONS, STORED, TYPES, filters
from tests.factories import make_property, make_record

pytestmark = pytest.mark.django_db

S = PropertyDefinition.Sensitivity
T = PropertyDefinition.DataType
Op = Operator


def _found(actor, object_type, *groups, reveal: bool = False) -> set[str]:
    query = FilterQuery(tuple(tuple(Filter(*f) if isinstance(f, tuple) else f for f in g) for g in groups))
    found = record_selectors.record_list(actor=actor, object_type=object_type, filters=query, reveal=reveal)
    return set(found.values_list("properties__firstname", flat=True))


def _link(actor, a, b):
    record_services.association_create(actor=actor, from_record=a, to_record=b)


# --- the three paths agree (Hypothesis) --------------------------------------------------------------


@pytest.fixture
def linked_dataset(tenant_a_admin, contacts_a, companies_a):
    """12 companies with random values in the three copies of each type (and an archived one that
    holds every value), 20 contacts linked to 0 to 2 of them, in either direction."""
    for data_type in TYPES:
        for copy, options in COPIES.items():
            extra = {"options": OPTIONS} if data_type == T.ENUMERATION else {}
            make_property(tenant_a_admin, companies_a, f"{copy}_{data_type}", data_type=data_type, **options, **extra)
    chance = random.Random(15)
    rows = []
    for n in range(13):
        row = {"name": f"Company {n}"}
        for data_type in TYPES:
            if n == 12 or chance.random() < 0.75:
                value = chance.choice(STORED[data_type])
                row.update({f"{copy}_{data_type}": value for copy in COPIES})
        rows.append(row)
    companies = record_services.records_bulk_create(actor=tenant_a_admin, object_type=companies_a, rows=rows)
    contacts = record_services.records_bulk_create(
        actor=tenant_a_admin, object_type=contacts_a, rows=[{"firstname": f"C{n}"} for n in range(20)]
    )
    for contact in contacts:
        for company in chance.sample(companies[:12], chance.choice([0, 1, 1, 2])):
            pair = (contact, company) if chance.random() < 0.5 else (company, contact)
            _link(tenant_a_admin, *pair)
        if chance.random() < 0.5:
            _link(tenant_a_admin, contact, companies[12])
    records_api.record_archive(actor=tenant_a_admin, record=companies[12])
    return tenant_a_admin, contacts_a


queries = st.lists(st.lists(filters(), min_size=1, max_size=2), min_size=1, max_size=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=queries, mix=st.randoms(use_true_random=False))
def test_sql_blind_index_and_in_memory_paths_agree_through_an_association(linked_dataset, groups, mix):
    admin, contacts = linked_dataset
    mixed = {(g, i): mix.choice(list(COPIES)) for g, group in enumerate(groups) for i in range(len(group))}
    via = {(g, i): mix.choice(["companies", "0-2"]) for g, group in enumerate(groups) for i in range(len(group))}

    def found(copy_of) -> set:
        query = FilterQuery(
            tuple(
                tuple(
                    Filter(f"associations.{via[(g, i)]}.{copy_of(g, i)}_{t}", op, value=v, values=vs, high_value=h)
                    for i, (t, op, v, vs, h) in enumerate(group)
                )
                for g, group in enumerate(groups)
            )
        )
        return set(record_selectors.record_list(actor=admin, object_type=contacts, filters=query).values_list("pk"))

    answers = {copy: found(lambda g, i, copy=copy: copy) for copy in COPIES}
    answers["mixed"] = found(lambda g, i: mixed[(g, i)])

    assert answers["indexed"] == answers["plain"]
    assert answers["decrypted"] == answers["plain"]
    assert answers["mixed"] == answers["plain"]


# --- meaning -----------------------------------------------------------------------------------------


@pytest.fixture
def firms(tenant_a_admin, contacts_a, companies_a):
    """Ada links to a big firm, Alan is linked from a small one, Grace to both, Edsger to none;
    the companies' size in a plain, a sensitive searchable and a sensitive copy."""
    for copy, options in COPIES.items():
        make_property(tenant_a_admin, companies_a, f"{copy}_size", data_type=T.NUMBER, **options)
    big = make_record(tenant_a_admin, companies_a, name="Big", plain_size=900, indexed_size=900, decrypted_size=900)
    small = make_record(tenant_a_admin, companies_a, name="Small", plain_size=20, indexed_size=20, decrypted_size=20)
    people = {n: make_record(tenant_a_admin, contacts_a, firstname=n) for n in ("Ada", "Alan", "Grace", "Edsger")}
    _link(tenant_a_admin, people["Ada"], big)
    _link(tenant_a_admin, small, people["Alan"])  # the other direction
    _link(tenant_a_admin, people["Grace"], big)
    _link(tenant_a_admin, small, people["Grace"])
    return big, small, people


@pytest.mark.parametrize("copy", list(COPIES))
@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        (Op.GT, 500, {"Ada", "Grace"}),
        (Op.LT, 500, {"Alan", "Grace"}),
        (Op.EQ, 20, {"Alan", "Grace"}),
        (Op.NEQ, 20, {"Ada", "Edsger"}),  # no associated company of 20
        (Op.HAS_PROPERTY, None, {"Ada", "Alan", "Grace"}),
        (Op.NOT_HAS_PROPERTY, None, {"Edsger"}),
    ],
)
def test_a_record_meets_a_filter_when_some_associated_record_does_in_either_direction(
    tenant_a_admin, contacts_a, firms, copy, operator, value, expected
):
    f = Filter(f"associations.companies.{copy}_size", operator, value=value)

    assert _found(tenant_a_admin, contacts_a, [f]) == expected


@pytest.mark.parametrize("copy", list(COPIES))
def test_archived_associated_records_do_not_count(tenant_a_admin, contacts_a, firms, copy):
    big, _, _ = firms
    records_api.record_archive(actor=tenant_a_admin, record=big)

    assert _found(tenant_a_admin, contacts_a, [(f"associations.companies.{copy}_size", Op.GT, 500)]) == set()
    assert _found(tenant_a_admin, contacts_a, [(f"associations.companies.{copy}_size", Op.NOT_HAS_PROPERTY)]) == {
        "Ada",
        "Edsger",
    }


@pytest.mark.parametrize("copy", list(COPIES))
def test_associated_records_outside_the_actors_record_scope_do_not_count(
    tenant_a_admin, member_a, contacts_a, companies_a, firms, copy
):
    big, small, _ = firms
    record_services.record_scope_set(
        actor=tenant_a_admin, user=member_a, object_type=companies_a, scope=RecordScope.Scope.OWNED
    )
    records_api.record_write(actor=tenant_a_admin, record=small, values={}, owner=member_a)  # Big stays Ada's
    for definition in PropertyDefinition.objects.filter(object_type=companies_a, sensitivity=S.SENSITIVE):
        grants.property_grant(actor=tenant_a_admin, definition=definition, grantee=member_a, level="view")

    assert _found(member_a, contacts_a, [(f"associations.companies.{copy}_size", Op.HAS_PROPERTY)]) == {
        "Alan",
        "Grace",
    }
    assert _found(member_a, contacts_a, [(f"associations.companies.{copy}_size", Op.GT, 500)]) == set()
