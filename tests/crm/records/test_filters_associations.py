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
    _, small, _ = firms
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


# --- permissions and audit -----------------------------------------------------------------------------


@pytest.fixture
def deals_a(tenant_a_admin):
    return selectors.object_type_get(actor=tenant_a_admin, name="deals")


@pytest.fixture
def care_deals(tenant_a_admin, deals_a, contacts_a, diagnosis, salary):
    """Three deals, each with a contact: one with asthma, one with diabetes and a salary, one with neither."""
    asthma = make_record(tenant_a_admin, contacts_a, firstname="Rosalind", diagnosis="asthma")
    diabetes = make_record(tenant_a_admin, contacts_a, firstname="Edsger", diagnosis="diabetes", annual_salary=90_000)
    plain = make_record(tenant_a_admin, contacts_a, firstname="Ken")
    deals = {}
    for name, contact in (("Inhalers", asthma), ("Insulin", diabetes), ("Paper", plain)):
        deals[name] = make_record(tenant_a_admin, deals_a, dealname=name)
        _link(tenant_a_admin, deals[name], contact)
    return deals, {"asthma": asthma, "diabetes": diabetes, "plain": plain}


def _deal_names(actor, deals_a, *filters_, reveal=False) -> set[str]:
    query = FilterQuery((tuple(Filter(*f) for f in filters_),))
    found = record_selectors.record_list(actor=actor, object_type=deals_a, filters=query, reveal=reveal)
    return set(found.values_list("properties__dealname", flat=True))


def test_deals_whose_contact_has_a_diagnosis_are_found_by_blind_index_as_a_reveal_audited(
    tenant_a_admin, deals_a, care_deals
):
    _, contacts = care_deals

    found = _deal_names(tenant_a_admin, deals_a, ("associations.contacts.diagnosis", Op.EQ, "asthma"), reveal=True)

    assert found == {"Inhalers"}
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL, actor=tenant_a_admin)
    assert event.object_type == "contacts" and event.property_names == ["diagnosis"]
    assert event.record_ids == [str(contacts["asthma"].pk)]  # the contacts whose value it told


def test_a_highly_sensitive_property_of_an_associated_type_needs_a_reveal(tenant_a_admin, deals_a, care_deals):
    with pytest.raises(RevealRequired):
        _deal_names(tenant_a_admin, deals_a, ("associations.contacts.diagnosis", Op.EQ, "asthma"))

    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL).exists()


def test_a_user_without_the_grant_on_the_associated_property_is_refused_before_anything_is_read(
    tenant_a_admin, member_a, deals_a, care_deals
):
    with pytest.raises(FilterRefused, match=r"Annual salary \(annual_salary\)"):
        _deal_names(member_a, deals_a, ("associations.contacts.annual_salary", Op.GT, 1), ("dealname", Op.EQ, "x"))

    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()


def test_a_user_with_the_grant_filters_by_decrypting_and_the_read_is_audited(
    tenant_a_admin, member_a, deals_a, care_deals, salary
):
    _, contacts = care_deals
    grants.property_grant(actor=tenant_a_admin, definition=salary, grantee=member_a, level="view")

    assert _deal_names(member_a, deals_a, ("associations.contacts.annual_salary", Op.BETWEEN, 50_000, (), 95_000)) == {
        "Insulin"
    }
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, actor=member_a)
    assert event.object_type == "contacts" and event.record_ids == [str(contacts["diabetes"].pk)]
    assert event.details == {"purpose": "filter"}


def test_a_negated_filter_on_an_associated_sensitive_property_excludes_the_records_linked_to_a_match(
    tenant_a_admin, deals_a, care_deals
):
    found = _deal_names(
        tenant_a_admin, deals_a, ("associations.0-1.diagnosis", Op.NOT_IN, None, ("asthma",)), reveal=True
    )

    assert found == {"Insulin", "Paper"}


def test_associations_of_the_same_type_link_in_either_direction(tenant_a_admin, contacts_a):
    boss = make_record(tenant_a_admin, contacts_a, firstname="Boss", lastname="Chief")
    aide = make_record(tenant_a_admin, contacts_a, firstname="Aide")
    make_record(tenant_a_admin, contacts_a, firstname="Alone")
    _link(tenant_a_admin, aide, boss)

    assert _found(tenant_a_admin, contacts_a, [("associations.contacts.lastname", Op.EQ, "chief")]) == {"Aide"}
    assert _found(tenant_a_admin, contacts_a, [("associations.contacts.firstname", Op.EQ, "aide")]) == {"Boss"}


# --- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "operator", "value", "message"),
    [
        ("associations.planets.size", Op.EQ, "1", "There is no object type 'planets'"),
        ("associations.companies", Op.EQ, "1", "associations.<object type>.<property>"),
        ("associations..name", Op.EQ, "1", "associations.<object type>.<property>"),
        ("associations.companies.nosuch", Op.EQ, "1", "Companies have no property named 'nosuch'"),
        ("associations.companies.associations.contacts.firstname", Op.EQ, "1", "have no property named"),
        ("associations.contacts.annual_salary", Op.CONTAINS_TOKEN, "90000", "CONTAINS_TOKEN does not apply"),
        ("associations.contacts.annual_salary", Op.GT, "ninety thousand", "Annual salary"),
    ],
)
def test_bad_filters_over_associations_name_the_filter_and_the_rule_never_the_value(
    tenant_a_admin, companies_a, salary, name, operator, value, message
):
    query = FilterQuery(((Filter(name, operator, value=value, where="filterGroups[0].filters[0]"),),))

    with pytest.raises(ValidationError) as caught:
        list(record_selectors.record_list(actor=tenant_a_admin, object_type=companies_a, filters=query))

    (messages,) = caught.value.message_dict.values()
    assert list(caught.value.message_dict) == ["filterGroups[0].filters[0]"]
    assert message in " ".join(messages)
    assert "ninety" not in " ".join(messages) and "90000" not in " ".join(messages)
