"""Reports computed: every measure, groups by plain and sensitive enumerations, time buckets, over
a list, with filters (a sensitive one too)."""

import datetime as dt

import pytest

from crm.records.filters import query_parse
from reports import selectors
from tests.reports.conftest import make_report
from workflows import services as list_services

pytestmark = pytest.mark.django_db


def _table(actor, report):
    result = selectors.report_run(viewer=actor, report=report)
    return {(row.group, row.bucket): (row.count, row.value) for row in result.rows}


@pytest.mark.parametrize(
    ("measure", "gold", "silver"),
    [("count", 4, 4), ("sum", 10, 26), ("avg", 2.5, 6.5), ("min", 1, 5), ("max", 4, 8)],
)
def test_every_measure_over_a_plain_number_grouped_by_a_plain_enumeration(
    tenant_a_admin, contacts_a, crowd, measure, gold, silver
):
    report = make_report(tenant_a_admin, contacts_a, measure=measure, measure_property="score", group_by="tier")

    assert _table(tenant_a_admin, report) == {("Gold", ""): (4, gold), ("Silver", ""): (4, silver)}


def test_a_count_grouped_by_a_sensitive_enumeration(tenant_a_admin, contacts_a, crowd):
    report = make_report(tenant_a_admin, contacts_a, group_by="mood")

    assert _table(tenant_a_admin, report) == {("Calm", ""): (5, 5), ("Tense", ""): (2, 2), ("(no value)", ""): (1, 1)}


@pytest.mark.parametrize(
    ("measure", "gold", "silver"),
    [("sum", 100_000, 260_000), ("avg", 25_000, 65_000), ("min", 10_000, 50_000), ("max", 40_000, 80_000)],
)
def test_a_measure_over_a_sensitive_number_grouped_by_a_plain_enumeration(
    tenant_a_admin, contacts_a, crowd, measure, gold, silver
):
    report = make_report(tenant_a_admin, contacts_a, measure=measure, measure_property="annual_salary", group_by="tier")

    assert _table(tenant_a_admin, report) == {("Gold", ""): (4, gold), ("Silver", ""): (4, silver)}


def test_a_sensitive_measure_grouped_by_a_sensitive_enumeration(tenant_a_admin, contacts_a, crowd):
    report = make_report(tenant_a_admin, contacts_a, measure="avg", measure_property="annual_salary", group_by="mood")

    assert _table(tenant_a_admin, report) == {
        ("Calm", ""): (5, 30_000),
        ("Tense", ""): (2, 65_000),
        ("(no value)", ""): (1, 80_000),
    }


def test_a_sensitive_measure_without_a_group(tenant_a_admin, contacts_a, crowd):
    report = make_report(tenant_a_admin, contacts_a, measure="sum", measure_property="annual_salary")

    assert _table(tenant_a_admin, report) == {("", ""): (8, 360_000)}


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("day", {"2026-01-05": 1, "2026-01-06": 1, "2026-02-10": 1, "2026-04-01": 1, "2026-04-02": 1}),
        ("week", {"2026-W02": 2, "2026-W07": 1, "2026-W14": 2, "2026-W29": 2, "2026-W53": 1}),
        ("month", {"2026-01": 2, "2026-02": 1, "2026-04": 2, "2026-07": 2, "2026-12": 1}),
        ("quarter", {"2026-Q1": 3, "2026-Q2": 2, "2026-Q3": 2, "2026-Q4": 1}),
    ],
)
def test_time_buckets_over_a_date_property(tenant_a_admin, contacts_a, crowd, bucket, expected):
    report = make_report(tenant_a_admin, contacts_a, bucket=bucket, bucket_property="member_since")

    table = {b: count for (_, b), (count, _) in _table(tenant_a_admin, report).items()}
    assert {b: n for b, n in table.items() if b in expected} == expected
    assert sum(table.values()) == 8


def test_a_week_bucket_starts_on_monday_and_created_at_is_the_default(tenant_a_admin, contacts_a, crowd):
    report = make_report(tenant_a_admin, contacts_a, bucket="week", group_by="mood")

    result = selectors.report_run(viewer=tenant_a_admin, report=report)
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    assert {row.day for row in result.rows} == {monday}
    assert {row.group: row.count for row in result.rows} == {"Calm": 5, "Tense": 2, "(no value)": 1}


def test_a_sensitive_group_with_a_time_bucket(tenant_a_admin, contacts_a, crowd):
    report = make_report(tenant_a_admin, contacts_a, bucket="quarter", bucket_property="member_since", group_by="mood")

    table = _table(tenant_a_admin, report)
    assert table[("Calm", "2026-Q1")][0] == 3 and table[("Tense", "2026-Q3")][0] == 2
    assert table[("(no value)", "2026-Q4")][0] == 1


def test_a_report_over_a_list_counts_its_members_only(tenant_a_admin, contacts_a, crowd):
    the_list = list_services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Three")
    list_services.list_members_add(actor=tenant_a_admin, the_list=the_list, records=crowd[4:7])
    report = make_report(tenant_a_admin, None, the_list=the_list, group_by="mood")

    assert report.object_type == contacts_a
    assert _table(tenant_a_admin, report) == {("Calm", ""): (1, 1), ("Tense", ""): (2, 2)}


def test_filters_plain_and_sensitive_and_the_sensitive_value_is_stored_sealed(tenant_a_admin, contacts_a, crowd):
    query = query_parse(
        [
            {
                "filters": [
                    {"propertyName": "tier", "operator": "EQ", "value": "silver"},
                    {"propertyName": "annual_salary", "operator": "GT", "value": "55555"},
                ]
            }
        ]
    )
    report = make_report(tenant_a_admin, contacts_a, group_by="mood", filters=query)

    assert "55555" not in str(report.filters) and "sealed" in str(report.filters)
    assert _table(tenant_a_admin, report) == {("Tense", ""): (2, 2), ("(no value)", ""): (1, 1)}


def test_records_outside_the_viewers_record_scope_are_not_counted(tenant_a_admin, contacts_a, crowd, granted, member_a):
    from crm.records import services as record_services

    report = make_report(tenant_a_admin, contacts_a, group_by="mood")
    record_services.record_scope_set(actor=tenant_a_admin, user=granted, object_type=contacts_a, scope="owned")
    record_services.record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope="owned")

    assert _table(granted, report) == {}
    assert _table(member_a, report) == {}  # computed as the owner, over the records both see
    assert _table(tenant_a_admin, report)[("Calm", "")] == (5, 5)
