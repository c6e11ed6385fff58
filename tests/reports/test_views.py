"""The staff UI of reports: the form (errors, not 500s), the report's page with the chart's data
and the table, and the CSV export (formula cells escaped)."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reports.export import cell
from reports.models import Report
from tests.factories import make_property, make_record
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db


def _create(client, **fields):
    data = {"name": "Moods", "source": "type:contacts", "measure": "count", "bucket": "none", "chart": "bar", **fields}
    return client.post(reverse("report_create"), data)


def _chart(page: str) -> dict:
    found = re.search(r'<script id="report-chart-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_form_creates_a_report_and_its_page_shows_the_chart_data_and_the_table(admin_client, crowd):
    response = _create(admin_client, group_by="mood", chart="pie")

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report_detail", args=[report.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert _chart(page) == {
        "kind": "pie",
        "labels": ["Calm", "Tense", "(no value)"],
        "datasets": [{"label": "Count", "data": [5, 2, 1]}],
    }
    table = page.split('id="report-table"')[1].split("</table>")[0]
    assert re.sub(r"\s+", " ", table).count("<tr>") == 4 and "<td>Calm</td>" in table
    assert 'src="/static/vendor/chart.js/chart.umd.min.js"' in page and "<script>" not in page
    assert "Moods" in admin_client.get(reverse("report_index")).content.decode()


def test_a_report_with_groups_and_buckets_has_one_dataset_per_group(admin_client, tenant_a_admin, contacts_a, crowd):
    report = make_report(
        tenant_a_admin, contacts_a, group_by="tier", bucket="quarter", bucket_property="member_since", chart="line"
    )

    chart = _chart(admin_client.get(reverse("report_detail", args=[report.pk])).content.decode())
    assert chart["labels"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert chart["datasets"] == [
        {"label": "Gold", "data": [3, 1, None, None]},
        {"label": "Silver", "data": [None, 1, 2, 1]},
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"group_by": "nope"}, "Contacts have no property named &#x27;nope&#x27;."),
        ({"measure": "sum", "measure_property": "firstname"}, "is not a number"),
        ({"bucket": "week", "bucket_property": "tier"}, "is not a date"),
        ({"source": "type:unicorns"}, "Choose an object type or a list."),
        ({"source": "list:99x"}, "There is no such list."),
        ({"name": ""}, "A report needs a name."),
        ({"property_0": "score", "operator_0": "GT", "value_0": "many"}, "score"),
        ({"group_by": "diagnosis"}, "can&#x27;t be used in reports"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(admin_client, crowd, diagnosis, fields, message):
    response = _create(admin_client, **fields)

    assert response.status_code == 400
    assert message in response.content.decode().split('role="alert"')[1].split("</div>")[0]
    assert not Report.objects.exists()


def test_a_member_without_the_grant_is_refused_a_sensitive_group_and_sees_small_groups_hidden(
    client, member_a, tenant_a_admin, contacts_a, crowd
):
    client.force_login(member_a)
    refused = _create(client, group_by="mood")
    assert refused.status_code == 400 and "You may not report on Mood (mood)." in refused.content.decode()

    report = make_report(tenant_a_admin, contacts_a, group_by="mood")
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "<td>fewer than 5</td>" in page and "computed as ada@acme.test" in page
    assert _chart(page)["datasets"][0]["data"] == [5, None, None]


def test_the_csv_export_holds_the_table(admin_client, tenant_a_admin, contacts_a, crowd):
    report = make_report(
        tenant_a_admin, contacts_a, name="Pay by mood", measure="avg", measure_property="annual_salary", group_by="mood"
    )

    response = admin_client.get(reverse("report_export", args=[report.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="Pay-by-mood.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Mood", "Count", "Average of Annual salary"],
        ["Calm", "5", "30000"],
        ["Tense", "2", "65000"],
        ["(no value)", "1", "80000"],
    ]


def test_the_csv_export_escapes_formulas(admin_client, tenant_a_admin, contacts_a):
    make_property(
        tenant_a_admin,
        contacts_a,
        "channel",
        data_type="enumeration",
        options=[
            {"value": "a", "label": "=HYPERLINK(1)"},
            {"value": "b", "label": "+1"},
            {"value": "c", "label": "@x"},
        ],
    )
    for value in "abc":
        make_record(tenant_a_admin, contacts_a, firstname=value, channel=value)
    report = make_report(tenant_a_admin, contacts_a, group_by="channel")

    rows = list(csv.reader(io.StringIO(admin_client.get(reverse("report_export", args=[report.pk])).content.decode())))
    assert [row[0] for row in rows[1:4]] == ["'=HYPERLINK(1)", "'+1", "'@x"]
    assert cell("-2") == "'-2" and cell("plain") == "plain" and cell(None) == ""


def test_the_csv_export_hides_small_groups_for_a_viewer_without_the_grant(
    client, member_a, tenant_a_admin, contacts_a, crowd
):
    report = make_report(tenant_a_admin, contacts_a, group_by="mood")
    client.force_login(member_a)

    rows = list(csv.reader(io.StringIO(client.get(reverse("report_export", args=[report.pk])).content.decode())))
    assert rows[1:] == [["Calm", "5"], ["Tense", "fewer than 5"], ["(no value)", "fewer than 5"]]


def test_editing_keeps_the_filter_unless_replaced_and_the_editor_becomes_the_owner(
    client, granted, tenant_a_admin, contacts_a, crowd
):
    from crm.records.filters import query_parse

    query = query_parse([{"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": "45000"}]}])
    report = make_report(tenant_a_admin, contacts_a, group_by="tier", filters=query)
    client.force_login(granted)
    form = client.get(reverse("report_edit", args=[report.pk])).content.decode()
    assert "annual_salary GT REDACTED" in form and "45000" not in form

    data = {"name": "Renamed", "source": "type:contacts", "measure": "count", "group_by": "mood", "bucket": "none"}
    response = client.post(reverse("report_edit", args=[report.pk]), {**data, "chart": "bar"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.name == "Renamed" and report.created_by == granted and "sealed" in str(report.filters)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert _chart(page)["datasets"][0]["data"] == [
        1,
        2,
        1,
    ]  # salaries over 45,000: 50k calm, 60k and 70k tense, 80k none


def test_another_tenants_report_is_not_found(client, tenant_b_user, tenant_a_admin, contacts_a, crowd):
    report = make_report(tenant_a_admin, contacts_a, group_by="tier")
    client.force_login(tenant_b_user)

    assert client.get(reverse("report_detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("report_export", args=[report.pk])).status_code == 404


def test_only_the_owner_or_a_super_admin_deletes_a_report(client, member_a, tenant_a_admin, contacts_a):
    report = make_report(tenant_a_admin, contacts_a, group_by="")
    client.force_login(member_a)
    assert client.post(reverse("report_delete", args=[report.pk])).status_code == 403

    client.force_login(tenant_a_admin)
    assert client.post(reverse("report_delete", args=[report.pk])).status_code == 302
    assert not Report.objects.exists()
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {AuditEvent.Kind.REPORT_CREATED, AuditEvent.Kind.REPORT_DELETED} <= kinds
