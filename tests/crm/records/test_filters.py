"""The filter compiler in the record layer: groups, narrowing before decrypting, permissions and
audit, errors that name the filter and the rule, words, and a property whose values are moving."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from audit.models import AuditEvent
from crm.models import Record
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from crm.records.filters import Filter, FilterQuery, Operator, query_parse
from crm.records.filters.idlists import PkIn
from sensitive import conditions, matching, rotation
from sensitive.sensitivity import property_sensitivity_change
from tests.factories import grant, make_property, make_record

pytestmark = pytest.mark.django_db
Op = Operator
CANARY = "078-05-1120"


def _names(records) -> list[str]:
    return sorted(record.display_name for record in records)


def _search(actor, object_type, *groups, **options):
    query = FilterQuery(tuple(tuple(Filter(*spec) if isinstance(spec, tuple) else spec for spec in g) for g in groups))
    return _names(record_selectors.record_list(actor=actor, object_type=object_type, filters=query, **options))


def _reads(kind=AuditEvent.Kind.SENSITIVE_READ):
    return AuditEvent.objects.filter(kind=kind, details__purpose="filter")


@pytest.fixture
def staff(tenant_a_admin, contacts_a, salary):
    rows = [
        {"firstname": "Ann", "lastname": "Archer", "annual_salary": 50_000},
        {"firstname": "Bob", "lastname": "Archer", "annual_salary": 50_000},
        {"firstname": "Cy", "lastname": "Baker", "annual_salary": 90_000},
        {"firstname": "Di", "lastname": "Baker"},
    ]
    return record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)


def test_groups_are_ored_and_the_filters_of_a_group_anded(staff, tenant_a_admin, contacts_a):
    found = _search(
        tenant_a_admin,
        contacts_a,
        [("lastname", Op.EQ, "archer"), ("annual_salary", Op.GT, 40_000), ("firstname", Op.NEQ, "ann")],
        [("annual_salary", Op.GTE, 90_000)],
    )

    assert found == ["Bob Archer", "Cy Baker"]


def test_sql_filters_narrow_the_values_a_sensitive_filter_decrypts(staff, tenant_a_admin, contacts_a):
    found = _search(tenant_a_admin, contacts_a, [("firstname", Op.EQ, "Ann"), ("annual_salary", Op.LT, 60_000)])

    assert found == ["Ann Archer"]
    (event,) = _reads()
    assert event.record_ids == [str(staff[0].pk)]  # not Bob, who also earns 50,000
    assert event.property_names == ["annual_salary"]


def test_a_group_that_excludes_nobody_keeps_every_record_in_an_or(staff, tenant_a_admin, contacts_a):
    # a regression the path test found: an empty condition dropped out of the OR
    found = _search(tenant_a_admin, contacts_a, [("lastname", Op.EQ, "archer")], [("annual_salary", Op.NEQ, 12_345)])

    assert found == ["Ann Archer", "Bob Archer", "Cy Baker", "Di Baker"]


def test_a_negation_of_a_sensitive_filter_keeps_the_records_without_a_value(staff, tenant_a_admin, contacts_a):
    assert _search(tenant_a_admin, contacts_a, [("annual_salary", Op.NEQ, 50_000)]) == ["Cy Baker", "Di Baker"]
    assert _search(tenant_a_admin, contacts_a, [("annual_salary", Op.NOT_HAS_PROPERTY)]) == ["Di Baker"]


def test_a_record_scope_keeps_the_filter_and_its_audit_to_the_records_the_actor_sees(
    staff, tenant_a_admin, member_direct_grant, contacts_a
):
    # given Dee may view salaries and sees only her own records, one of which earns 50,000
    record_services.record_scope_set(
        actor=tenant_a_admin, user=member_direct_grant, object_type=contacts_a, scope="owned"
    )
    mine = record_services.record_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        values={"firstname": "Dee's", "annual_salary": 50_000},
        owner=member_direct_grant,
    )

    # when
    found = _search(member_direct_grant, contacts_a, [("annual_salary", Op.BETWEEN, 1, None, 60_000)])

    # then
    assert found == ["Dee's"]
    (event,) = _reads().filter(actor=member_direct_grant)
    assert event.record_ids == [str(mine.pk)]


def test_a_refused_filter_decrypts_nothing_and_writes_no_event(staff, member_a, contacts_a):
    query = [("lastname", Op.EQ, "archer"), ("annual_salary", Op.GT, 1)]

    with pytest.raises(PermissionDenied, match=r"You may not filter on Annual salary \(annual_salary\)"):
        _search(member_a, contacts_a, query)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ).exists()


def test_a_filter_on_a_highly_sensitive_property_is_a_reveal_for_its_purpose(tenant_a_admin, contacts_a, gov_id, grace):
    make_record(tenant_a_admin, contacts_a, firstname="Alan", gov_id="123-45-6789")
    query = [("gov_id", Op.CONTAINS_TOKEN, "078*")]

    with pytest.raises(matching.RevealRequired):
        _search(tenant_a_admin, contacts_a, query)
    found = _search(tenant_a_admin, contacts_a, query, reveal=True, purpose="search")

    assert found == ["Grace Hopper"]
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL)
    assert event.record_ids == [str(grace.pk)] and event.details == {"purpose": "search"}


@pytest.mark.parametrize(
    ("spec", "rule"),
    [
        (("gov_id", Op.LT, CANARY), "LT does not apply to Government id (gov_id)"),
        (("annual_salary", Op.EQ, CANARY), "Annual salary (annual_salary): must be a number"),
        (("annual_salary", Op.BETWEEN, 1), "BETWEEN on Annual salary (annual_salary) needs a highValue"),
        (("annual_salary", Op.IN), "IN on Annual salary (annual_salary) needs a list of values"),
        (("annual_salary", Op.GT), "GT on Annual salary (annual_salary) needs a value"),
        (("diagnosis", Op.EQ, CANARY), "Diagnosis (diagnosis): must be one of the options"),
        (("gov_id", Op.CONTAINS_TOKEN, "..."), "takes one to 10 words"),
        (("createdate", Op.GT, CANARY), "Create date (createdate): must be a date and time"),
        (("no_such_thing", Op.EQ, CANARY), "Contacts have no property named 'no_such_thing'"),
    ],
    ids=["operator", "number", "between", "in", "value", "option", "words", "built-in", "unknown"],
)
def test_a_bad_filter_is_named_with_its_rule_and_never_its_value(
    tenant_a_admin, contacts_a, salary, diagnosis, gov_id, spec, rule
):
    with pytest.raises(ValidationError) as error:
        _search(tenant_a_admin, contacts_a, [Filter(*spec, where="filterGroups[0].filters[0]")])

    ((where, messages),) = error.value.message_dict.items()
    assert where == "filterGroups[0].filters[0]"
    assert rule in messages[0]
    assert "1120" not in messages[0]


@pytest.mark.parametrize(
    ("groups", "rule"),
    [
        ([{"filters": [{"propertyName": "a", "operator": "EQ", "value": "1"}]}] * 6, "At most 5 filter groups"),
        ([{"filters": [{"propertyName": "a", "operator": "EQ", "value": "1"}] * 7}], "at most 6 filters"),
        ([{"filters": [{"propertyName": "a", "operator": "EQ", "value": "1"}] * 4}] * 5, "At most 18 filters"),
        ([{"filters": [{"propertyName": "a", "operator": "LIKE", "value": "1"}]}], "'LIKE' is not an operator"),
        ([{"filters": [{"operator": "EQ", "value": "1"}]}], "propertyName must be a non-empty string"),
        ([{"filters": [{"propertyName": "a", "operator": "IN", "values": "1"}]}], "values must be a list"),
        ([{"filters": [{"propertyName": "a", "operator": "EQ", "value": {"x": 1}}]}], "value must be a string"),
        ([{"filters": [{"propertyName": "a", "operator": "EQ", "value": "a\x00b"}]}], "must not contain NUL"),
        ([{"nofilters": []}], "with a list of"),
        ("EQ", "must be a list of groups"),
    ],
    ids=["groups", "per-group", "total", "operator", "name", "values", "value", "nul", "group", "shape"],
)
def test_hubspots_limits_and_shapes_are_checked_when_parsed(groups, rule):
    with pytest.raises(ValidationError, match=re.escape(rule)):
        query_parse(groups)


def test_an_empty_group_is_left_out():
    assert query_parse([{"filters": []}]) == FilterQuery()


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("*@hubspot.com", "ada@hubspot.com", True),
        ("hubspot", "ada@hubspot.com", False),
        ("world", "Hello, world.", True),
        ("world.", "Hello, world", True),
        ("new york", "New  York!", True),
        ("new york", "York, New", False),
        ("h*d", "hello,world", False),
        ("h*d", "hOUSEhold", True),
        ("*", "anything at all", True),
        ("net", ".net", False),
        ("a*b*c", "a" * 5_000 + "b", False),  # no backtracking blow-up
    ],
)
def test_words_match_alike_in_memory_and_as_the_sql_regular_expression(pattern, text, matches):
    assert conditions.token_matcher(pattern)(text) is matches
    assert bool(re.search(conditions.token_regex(pattern), text, re.IGNORECASE)) is matches


def test_values_of_a_property_just_made_sensitive_are_found_while_they_move(tenant_a_admin, contacts_a):
    # given a plain number made sensitive: its values wait in the JSON for the background move
    bonus = make_property(tenant_a_admin, contacts_a, "bonus", data_type="number")
    make_record(tenant_a_admin, contacts_a, firstname="Big", bonus=900)
    make_record(tenant_a_admin, contacts_a, firstname="Small", bonus=5)
    bonus = property_sensitivity_change(actor=tenant_a_admin, definition=bonus, sensitivity="sensitive")
    assert bonus.values_moving

    # then they are filtered as sensitive values, by the choke point
    assert _search(tenant_a_admin, contacts_a, [("bonus", Op.GT, 100)]) == ["Big"]
    assert _reads().filter(property_names=["bonus"]).exists()


def test_after_crypto_shredding_no_sensitive_value_matches(staff, tenant_a_admin, tenant_a, contacts_a):
    rotation.tenant_keys_shred(tenant=tenant_a, actor=tenant_a_admin)

    assert _search(tenant_a_admin, contacts_a, [("annual_salary", Op.GT, 1)]) == []
    assert _search(tenant_a_admin, contacts_a, [("annual_salary", Op.EQ, 50_000)]) == []
    assert _search(tenant_a_admin, contacts_a, [("annual_salary", Op.HAS_PROPERTY)]) == [
        "Ann Archer",
        "Bob Archer",
        "Cy Baker",
    ]


def test_a_grant_through_a_team_lets_a_member_filter(staff, member_team_grant, contacts_a):
    assert _search(member_team_grant, contacts_a, [("annual_salary", Op.EQ, 90_000)]) == ["Cy Baker"]


def test_another_tenants_user_finds_nothing(staff, tenant_b_user, contacts_a):
    assert _search(tenant_b_user, contacts_a, [("lastname", Op.EQ, "archer")]) == []


def test_ids_found_in_python_travel_as_one_parameter_however_many(staff, tenant_a_admin):
    ids = [uuid.uuid4() for _ in range(70_000)] + [staff[2].pk]

    found = Record.objects.filter(Q(PkIn(ids)) | Q(PkIn([staff[3].pk])))

    assert _names(found) == ["Cy Baker", "Di Baker"]


def test_a_view_grant_on_a_highly_sensitive_property_with_a_reveal_filters(
    tenant_a_admin, member_a, contacts_a, diagnosis
):
    grant(diagnosis, to=member_a)
    make_record(tenant_a_admin, contacts_a, firstname="Pat", diagnosis="diabetes")

    assert _search(member_a, contacts_a, [("diagnosis", Op.IN, None, ("diabetes",))], reveal=True) == ["Pat"]
