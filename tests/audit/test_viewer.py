"""The audit viewer: a tenant's super admins see who read, revealed or changed what, and export it."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit import context, selectors
from audit import services as audit_services
from audit.models import AuditEvent
from crm import services as crm_services
from crm.records import services as record_services
from sensitive import selectors as sensitive_selectors

Kind = AuditEvent.Kind
LIST = reverse("audit_event_list")
EXPORT = reverse("audit_event_export")


@pytest.fixture
def bob(member_a, contacts_a):
    return record_services.record_create(actor=member_a, object_type=contacts_a, values={"firstname": "Bob"})


@pytest.fixture
def access_history(tenant_a_admin, rosalind, bob):
    """Rosalind's values are revealed by the admin; Bob's salary is read by the admin; Bob was created by Max."""
    sensitive_selectors.value_reveal(actor=tenant_a_admin, record=rosalind, name="diagnosis")
    sensitive_selectors.values_read(actor=tenant_a_admin, records=[bob], names=["annual_salary"])


def _rows(response) -> list[AuditEvent]:
    return [row.event for row in response.context["page"].rows]


def _export(client, params=None) -> tuple:
    response = client.get(EXPORT, params or {})
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return response, rows


def test_the_viewer_lists_a_reveal(client, tenant_a_admin, access_history):
    client.force_login(tenant_a_admin)

    response = client.get(LIST)

    page = response.content.decode()
    reveal = next(event for event in _rows(response) if event.kind == Kind.SENSITIVE_REVEAL)
    assert response.status_code == 200
    assert "Revealed a highly sensitive value" in page
    assert reveal.actor == tenant_a_admin and reveal.property_names == ["diagnosis"]
    assert "asthma" not in page and "91250" not in page


def test_events_come_newest_first(client, tenant_a_admin, access_history):
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST))

    assert [(e.created_at, e.pk) for e in events] == sorted(((e.created_at, e.pk) for e in events), reverse=True)


def test_it_filters_by_actor(client, tenant_a_admin, member_a, access_history):
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST, {"actor": member_a.pk}))

    assert [event.kind for event in events] == [Kind.RECORD_CREATED]


def test_it_filters_by_record(client, tenant_a_admin, rosalind, bob, access_history):
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST, {"record": str(rosalind.pk)}))

    assert events and all(str(rosalind.pk) in event.record_ids for event in events)
    assert Kind.SENSITIVE_REVEAL in {event.kind for event in events}
    assert not any(str(bob.pk) in event.record_ids for event in events)


def test_it_filters_by_property(client, tenant_a_admin, access_history):
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST, {"property": "contacts.annual_salary", "kind": [Kind.SENSITIVE_READ]}))

    assert len(events) == 1 and events[0].property_names == ["annual_salary"]


def test_a_property_filter_tells_object_types_apart(client, tenant_a_admin, companies_a, access_history):
    # Companies get an "annual_salary" of their own: reading it is not reading the contacts' one.
    crm_services.property_definition_create(
        actor=tenant_a_admin, object_type=companies_a, name="annual_salary", label="Payroll", sensitivity="sensitive"
    )
    acme = record_services.record_create(
        actor=tenant_a_admin, object_type=companies_a, values={"name": "Acme", "annual_salary": 900_000}
    )
    sensitive_selectors.values_read(actor=tenant_a_admin, records=[acme])
    client.force_login(tenant_a_admin)

    contacts = _rows(client.get(LIST, {"property": "contacts.annual_salary", "kind": [Kind.SENSITIVE_READ]}))
    companies = _rows(client.get(LIST, {"property": "companies.annual_salary", "kind": [Kind.SENSITIVE_READ]}))

    assert [event.object_type for event in contacts] == ["contacts"]
    assert [event.record_ids for event in companies] == [[str(acme.pk)]]
    assert "Companies · Payroll" in client.get(LIST).content.decode()


def test_a_property_filter_matches_whole_names(tenant_a_admin, access_history):
    # "salary" is part of "annual_salary" but names no property the events mention.
    assert not selectors.event_list(actor=tenant_a_admin, property_key="contacts.salary").exists()


def test_it_filters_by_several_kinds(client, tenant_a_admin, access_history):
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST, {"kind": [Kind.SENSITIVE_REVEAL, Kind.SENSITIVE_READ]}))

    assert sorted(event.kind for event in events) == [Kind.SENSITIVE_READ, Kind.SENSITIVE_REVEAL]


def test_it_filters_by_a_time_range_of_whole_days(client, tenant_a_admin, monkeypatch):
    for day in (9, 10, 20):
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda day=day: datetime(2031, 1, day, 23, 59, tzinfo=UTC))
            audit_services.event_record(kind=Kind.TENANT_SETTINGS_CHANGED, actor=tenant_a_admin, details={"day": day})
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST, {"since": "2031-01-10", "until": "2031-01-10"}))
    later = _rows(client.get(LIST, {"since": "2031-01-11"}))

    assert [event.details["day"] for event in events] == [10]
    assert [event.details["day"] for event in later] == [20]


@pytest.mark.parametrize(
    ("_case", "params", "message", "kept"),
    [
        ("bad_from_date", {"since": "2031-13-45"}, "Enter a valid date.", 'value="2031-13-45"'),
        ("bad_to_date", {"until": "yesterday"}, "Enter a valid date.", 'value="yesterday"'),
        ("to_before_from", {"since": "2031-02-01", "until": "2031-01-01"}, "must not be before", 'value="2031-01-01"'),
        ("malformed_record", {"record": "not-a-uuid"}, "No such record.", 'value="not-a-uuid"'),
        (
            "unknown_record",
            {"record": "00000000-0000-0000-0000-000000000000"},
            "No such record.",
            'value="00000000-0000-0000-0000-000000000000"',
        ),
        ("unknown_kind", {"kind": ["nope"]}, "Select a valid choice.", ""),
    ],
)
def test_bad_filters_are_form_errors_that_keep_what_was_typed(
    client, tenant_a_admin, access_history, _case, params, message, kept
):
    client.force_login(tenant_a_admin)

    response = client.get(LIST, params)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page and kept in page
    assert 'aria-invalid="true"' in page
    assert _rows(response) == []


def test_another_tenants_record_id_is_no_such_record(client, tenant_a_admin, tenant_b_user, rosalind):
    client.force_login(tenant_b_user)

    response = client.get(LIST, {"record": str(rosalind.pk)})

    assert response.status_code == 200
    assert "No such record." in response.content.decode()


def test_a_deleted_record_keeps_its_access_log(client, tenant_a_admin, rosalind, access_history):
    record_id = rosalind.pk
    record_services.record_delete(actor=tenant_a_admin, record=rosalind)
    client.force_login(tenant_a_admin)

    events = _rows(client.get(LIST, {"record": str(record_id)}))

    assert {Kind.SENSITIVE_REVEAL, Kind.RECORD_DELETED} <= {event.kind for event in events}


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_members_and_operators_get_403(client, member_a, operator, url):
    for user in (member_a, operator):
        client.force_login(user)

        assert client.get(url).status_code == 403


def test_the_selector_refuses_members(member_a):
    with pytest.raises(PermissionDenied):
        selectors.event_list(actor=member_a)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_tenants_super_admin_sees_none_of_its_events(client, tenant_a_admin, tenant_b_user, access_history):
    a_event = AuditEvent.objects.filter(tenant=tenant_a_admin.tenant).first()
    client.force_login(tenant_b_user)

    listed = _rows(client.get(LIST))
    _, exported = _export(client)

    assert listed and all(event.tenant_id == tenant_b_user.tenant_id for event in listed)
    assert {row[0] for row in exported[1:]}.isdisjoint(
        str(pk) for pk in AuditEvent.objects.filter(tenant=tenant_a_admin.tenant).values_list("pk", flat=True)
    )
    assert client.get(LIST, {"actor": tenant_a_admin.pk}).context["form"].errors["actor"]
    assert client.get(LIST, {"before": a_event.pk}).status_code == 404


def test_pages_of_fifty_go_back_and_forth(client, tenant_a_admin):
    for number in range(60):
        audit_services.event_record(kind=Kind.TENANT_SETTINGS_CHANGED, actor=tenant_a_admin, details={"n": number})
    client.force_login(tenant_a_admin)
    params = {"kind": [Kind.TENANT_SETTINGS_CHANGED]}

    first = client.get(LIST, params)
    older_id = first.context["page"].older_id
    second = client.get(LIST, {**params, "before": older_id})
    back = client.get(LIST, {**params, "after": second.context["page"].newer_id})

    assert [e.details["n"] for e in _rows(first)] == list(range(59, 9, -1))
    assert [e.details["n"] for e in _rows(second)] == list(range(9, -1, -1))
    assert second.context["page"].older_id is None
    assert _rows(back) == _rows(first)
    assert f"before={older_id}" in first.content.decode() and "kind=tenant.settings_changed" in first.content.decode()
    assert client.get(LIST, {"before": "nope"}).status_code == 404


def test_the_export_streams_the_filtered_rows_and_is_itself_audited(client, tenant_a_admin, rosalind, access_history):
    client.force_login(tenant_a_admin)

    response, rows = _export(client, {"record": str(rosalind.pk), "kind": [Kind.SENSITIVE_REVEAL]})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="audit-events-{timezone.now():%Y%m%d}.csv"'
    assert rows[0][:5] == ["id", "when", "actor_email", "actor_id", "kind"]
    assert [(row[2], row[4], row[9]) for row in rows[1:]] == [("ada@acme.test", Kind.SENSITIVE_REVEAL, "diagnosis")]
    exported = AuditEvent.objects.filter(kind=Kind.AUDIT_EXPORTED).get()
    assert exported.actor == tenant_a_admin and exported.tenant_id == tenant_a_admin.tenant_id
    assert exported.details == {"filters": {"record": str(rosalind.pk), "kinds": [Kind.SENSITIVE_REVEAL]}}


def test_the_export_holds_no_sensitive_value(client, tenant_a_admin, access_history):
    client.force_login(tenant_a_admin)

    _, rows = _export(client)

    text = "\n".join(",".join(row) for row in rows)
    assert "asthma" not in text and "91250" not in text


def test_an_export_with_bad_filters_exports_nothing(client, tenant_a_admin):
    client.force_login(tenant_a_admin)

    response = client.get(EXPORT, {"since": "never"})

    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    assert not AuditEvent.objects.filter(kind=Kind.AUDIT_EXPORTED).exists()


def test_formula_looking_cells_are_escaped(client, tenant_a_admin):
    sneaky = User.objects.create_user("-2+3@acme.test", tenant=tenant_a_admin.tenant)
    with context.acting_as(surface_name="system", actor=sneaky, ip="+1"):
        audit_services.event_record(kind=Kind.RECORD_UPDATED, actor=sneaky, object_type='=HYPERLINK("http://x")')
    audit_services.event_record(kind=Kind.RECORD_UPDATED, actor=tenant_a_admin, object_type="@SUM(A1)")
    client.force_login(tenant_a_admin)

    _, rows = _export(client, {"kind": [Kind.RECORD_UPDATED]})

    admin_row, sneaky_row = rows[1], rows[2]
    assert admin_row[7] == "'@SUM(A1)"
    assert (sneaky_row[2], sneaky_row[6], sneaky_row[7]) == ("'-2+3@acme.test", "'+1", '\'=HYPERLINK("http://x")')


def test_the_record_page_links_super_admins_to_its_access_log(client, tenant_a_admin, member_a, rosalind):
    url = reverse("record_detail", args=["contacts", rosalind.pk])
    client.force_login(tenant_a_admin)
    admin_page = client.get(url).content.decode()
    client.force_login(member_a)
    member_page = client.get(url).content.decode()

    assert f'{LIST}?record={rosalind.pk}"' in admin_page and "Who accessed this record" in admin_page
    assert f"{LIST}?record={rosalind.pk}&amp;property=contacts.diagnosis" in admin_page
    assert "Audit log" in admin_page
    assert "Who accessed this record" not in member_page and "Audit log" not in member_page
