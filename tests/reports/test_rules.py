"""Reports' permission rules: a sensitive property needs the view grant, a highly sensitive one is
refused; viewers without the grant see small groups hidden; each run over sensitive properties is
an audit event without values; bad input is a clear error."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from crm.records.filters import query_parse
from reports import selectors
from tests.factories import make_property
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db


def test_a_member_without_the_grant_may_not_save_a_report_over_a_sensitive_property(member_a, contacts_a, crowd):
    with pytest.raises(PermissionDenied, match=r"You may not report on Mood \(mood\)"):
        make_report(member_a, contacts_a, group_by="mood")
    with pytest.raises(PermissionDenied, match=r"Annual salary"):
        make_report(member_a, contacts_a, measure="sum", measure_property="annual_salary")
    query = query_parse([{"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": "1"}]}])
    with pytest.raises(PermissionDenied, match=r"Annual salary"):
        make_report(member_a, contacts_a, filters=query)


def test_highly_sensitive_properties_are_refused_even_for_a_super_admin(tenant_a_admin, contacts_a, diagnosis):
    with pytest.raises(PermissionDenied, match="highly sensitive properties can't be used in reports"):
        make_report(tenant_a_admin, contacts_a, group_by="diagnosis")
    query = query_parse([{"filters": [{"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}]}])
    with pytest.raises(PermissionDenied, match="can't be used in reports"):
        make_report(tenant_a_admin, contacts_a, filters=query)


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"group_by": "nope"}, "group_by", "Contacts have no property named 'nope'."),
        ({"measure": "sum", "measure_property": "firstname"}, "measure_property", "is not a number"),
        ({"measure": "avg"}, "measure_property", "needs a number property"),
        ({"bucket": "month", "bucket_property": "firstname"}, "bucket_property", "is not a date"),
        ({"bucket": "decade"}, "bucket", "Choose a time bucket"),
        ({"measure": "median"}, "measure", "Choose a measure"),
        ({"group_by": "score"}, "group_by", "can't group records"),
        ({"chart": "radar"}, "chart", "bar, line or pie"),
    ],
)
def test_bad_reports_are_validation_errors_naming_the_field(tenant_a_admin, contacts_a, crowd, fields, where, message):
    with pytest.raises(ValidationError) as caught:
        make_report(tenant_a_admin, contacts_a, **fields)

    assert message in " ".join(caught.value.message_dict[where])


def test_a_viewer_without_the_grant_sees_small_groups_hidden_and_a_granted_one_exact(
    tenant_a_admin, contacts_a, crowd, member_a, granted
):
    report = make_report(tenant_a_admin, contacts_a, measure="avg", measure_property="score", group_by="mood")

    hidden = selectors.report_run(viewer=member_a, report=report)
    exact = selectors.report_run(viewer=granted, report=report)

    assert hidden.hidden and hidden.runner == tenant_a_admin and hidden.small == "fewer than 5"
    assert [(r.group, r.count, r.value) for r in hidden.rows] == [
        ("Calm", 5, 3),
        ("Tense", None, None),
        ("(no value)", None, None),
    ]
    assert not exact.hidden and exact.runner == granted
    assert [(r.group, r.count, r.value) for r in exact.rows] == [
        ("Calm", 5, 3),
        ("Tense", 2, 6.5),
        ("(no value)", 1, 8),
    ]


def test_the_minimum_is_a_setting(tenant_a_admin, contacts_a, crowd, member_a, settings):
    settings.REPORTS_SMALL_GROUP_MIN = 2
    report = make_report(tenant_a_admin, contacts_a, group_by="mood")

    result = selectors.report_run(viewer=member_a, report=report)
    assert [(r.group, r.count) for r in result.rows] == [("Calm", 5), ("Tense", 2), ("(no value)", None)]
    assert result.small == "fewer than 2"


def test_a_report_whose_owner_lost_the_grant_is_refused_to_viewers_without_it(
    tenant_a_admin, contacts_a, crowd, member_a, granted, mood
):
    from sensitive import grants

    report = make_report(granted, contacts_a, group_by="mood")
    grants.property_revoke(actor=tenant_a_admin, definition=mood, grantee=granted)

    with pytest.raises(PermissionDenied, match=r"Mood \(mood\): you may not view it, and its owner can't either"):
        selectors.report_run(viewer=member_a, report=report)
    assert selectors.report_run(viewer=tenant_a_admin, report=report).rows[0].count == 5


def test_a_filter_on_a_sensitive_property_hides_small_groups_too(tenant_a_admin, contacts_a, crowd, member_a, settings):
    settings.REPORTS_SMALL_GROUP_MIN = 4
    query = query_parse([{"filters": [{"propertyName": "annual_salary", "operator": "GTE", "value": "20000"}]}])
    report = make_report(tenant_a_admin, contacts_a, group_by="tier", filters=query)

    rows = selectors.report_run(viewer=member_a, report=report).rows
    assert [(r.group, r.count) for r in rows] == [("Gold", None), ("Silver", 4)]


def test_a_plain_report_is_exact_for_everyone_and_writes_no_report_event(tenant_a_admin, contacts_a, crowd, member_a):
    report = make_report(tenant_a_admin, contacts_a, group_by="tier")
    before = AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_RUN).count()

    rows = selectors.report_run(viewer=member_a, report=report).rows
    assert [(r.group, r.count) for r in rows] == [("Gold", 4), ("Silver", 4)]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_RUN).count() == before


def test_each_run_over_a_sensitive_property_is_an_audit_event_without_values(
    tenant_a_admin, contacts_a, crowd, member_a
):
    report = make_report(tenant_a_admin, contacts_a, measure="sum", measure_property="annual_salary", group_by="mood")

    selectors.report_run(viewer=tenant_a_admin, report=report)
    selectors.report_run(viewer=member_a, report=report)

    runs = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_RUN).order_by("id"))
    assert len(runs) == 2
    assert runs[0].property_names == ["annual_salary", "mood"] and runs[0].details["report"] == str(report.pk)
    assert runs[1].actor == member_a and runs[1].details["small_groups_hidden"] is True
    assert runs[1].details["ran_as"] == str(tenant_a_admin.pk)
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, details__purpose="report")
    assert reads.count() >= 4  # the choke point's own event: one per property per run
    every = " ".join(str((e.details, e.record_ids, e.property_names)) for e in AuditEvent.objects.all())
    for value in ("calm", "tense", "350000", "260000", "10000"):
        assert value not in every


def test_a_sensitive_text_cant_group_records(tenant_a_admin, contacts_a):
    make_property(tenant_a_admin, contacts_a, "alias", sensitivity="sensitive")

    with pytest.raises(ValidationError, match="group by a sensitive bool or enumeration"):
        make_report(tenant_a_admin, contacts_a, group_by="alias")
