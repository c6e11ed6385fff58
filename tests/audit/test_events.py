"""Change, access and security events: who, when, from where, through which surface; never a value."""

from auditlog.models import LogEntry
from django.urls import reverse

from accounts import services as account_services
from audit.context import acting_as
from audit.models import AuditEvent
from crm.records import services as record_services
from sensitive import selectors
from tests.factories import make_record


def test_a_change_in_the_admin_is_logged_with_actor_ip_and_surface(client, tenant_a_admin, contacts_a, gov_id):
    record = make_record(tenant_a_admin, contacts_a, firstname="Grace", gov_id="078-05-1120")
    client.force_login(tenant_a_admin)

    client.post(
        reverse("admin:crm_record_change", args=[record.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Augusta"}'},
        REMOTE_ADDR="203.0.113.7",
    )

    entry = LogEntry.objects.filter(object_pk=str(record.pk)).latest("timestamp")
    assert entry.actor == tenant_a_admin and entry.remote_addr == "203.0.113.7"
    assert entry.additional_data == {"surface": "admin"}
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_UPDATED).latest("id")
    assert (event.surface, event.ip_address, event.property_names) == ("admin", "203.0.113.7", ["firstname"])


def test_a_reveal_in_the_staff_ui_is_an_access_event(client, tenant_a_admin, grace):
    client.force_login(tenant_a_admin)

    client.post(reverse("record_reveal", args=["contacts", grace.pk, "gov_id"]), REMOTE_ADDR="198.51.100.2")

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_REVEAL)
    assert (event.surface, event.ip_address, event.actor) == ("ui", "198.51.100.2", tenant_a_admin)
    assert event.record_ids == [str(grace.pk)] and event.property_names == ["gov_id"]


def test_a_forged_forwarded_for_header_is_not_believed(client, tenant_a_admin, grace):
    client.force_login(tenant_a_admin)

    client.post(
        reverse("record_reveal", args=["contacts", grace.pk, "gov_id"]),
        REMOTE_ADDR="198.51.100.2",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_REVEAL).ip_address == "198.51.100.2"


def test_work_outside_a_request_names_its_surface(tenant_a_admin, grace):
    with acting_as(surface_name="import", actor=tenant_a_admin):
        selectors.values_read(actor=tenant_a_admin, records=[grace], reveal=True)

    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVE_REVEAL).surface == "import"


def test_a_sensitive_write_names_the_property_and_holds_no_value(tenant_a_admin, grace):
    record_services.record_update(actor=tenant_a_admin, record=grace, values={"gov_id": "ZZ-00-77"})

    events = AuditEvent.objects.filter(kind__in=[AuditEvent.Kind.SENSITIVE_WRITE, AuditEvent.Kind.RECORD_UPDATED])
    assert {tuple(e.property_names) for e in events} == {("gov_id",)}
    for event in AuditEvent.objects.all():
        assert "ZZ-00-77" not in str(event.details) and "078-05-1120" not in str(event.details)
    assert not LogEntry.objects.filter(changes__icontains="ZZ-00-77").exists()


def test_team_and_user_changes_are_security_events(tenant_a_admin, member_a):
    team = account_services.team_create(actor=tenant_a_admin, name="Nurses")
    account_services.team_member_add(actor=tenant_a_admin, team=team, user=member_a)

    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {AuditEvent.Kind.USER_CREATED, AuditEvent.Kind.TEAM_CREATED, AuditEvent.Kind.TEAM_MEMBER_ADDED} <= kinds
    assert LogEntry.objects.filter(object_repr="Nurses").exists()


def test_the_admin_shows_events_read_only_and_only_the_tenants_own(client, tenant_a_admin, tenant_b_user, grace):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    event = AuditEvent.objects.filter(tenant=tenant_b_user.tenant).first()

    assert "record.created" in page or "Created records" in page
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code in (302, 404)
    own = AuditEvent.objects.filter(tenant=tenant_a_admin.tenant).first()
    response = client.post(reverse("admin:audit_auditevent_change", args=[own.pk]), {"kind": "x"})
    assert response.status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
