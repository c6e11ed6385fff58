"""record_views: one read that applies tenant, record scope and grants, audited once, ready to show."""

import pytest
from django.db.models import Q

from audit.models import AuditEvent
from crm.models import PropertyDefinition, Record
from crm.records import api as records_api
from crm.records import services as record_services
from sensitive.readings import State

READ = AuditEvent.Kind.SENSITIVE_READ


def _events_naming(record: Record) -> list[AuditEvent]:
    return [event for event in AuditEvent.objects.all() if str(record.pk) in event.record_ids]


def _new_reads(before: set) -> list[AuditEvent]:
    return [event for event in AuditEvent.objects.filter(kind=READ) if event.pk not in before]


def test_a_member_with_an_owned_scope_gets_no_view_of_others_records_and_no_event_names_them(
    tenant_a_admin, member_a_views_income, contacts_a, admins_contact, members_contact
):
    # given: Max sees only the contacts he owns, and may view incomes
    member = member_a_views_income
    record_services.record_scope_set(actor=tenant_a_admin, user=member, object_type=contacts_a, scope="owned")
    named_before = len(_events_naming(admins_contact))
    reads_before = set(AuditEvent.objects.filter(kind=READ).values_list("pk", flat=True))

    # when: a surface asks for both records, by list and by query
    by_list = records_api.record_views(actor=member, records=[admins_contact, members_contact], purpose="list")
    by_query = records_api.record_views(actor=member, query=Record.objects.all(), purpose="list")

    # then: only his own comes back, and the audit log never names the other
    assert [view.record for view in by_list] == [members_contact]
    assert [view.record for view in by_query] == [members_contact]
    assert by_list[0].readings["income"].value == 80_000
    assert len(_events_naming(admins_contact)) == named_before
    reads = _new_reads(reads_before)
    assert len(reads) == 2  # one event per call
    assert all(event.record_ids == [str(members_contact.pk)] for event in reads)


def test_one_read_of_many_records_is_one_audit_event(tenant_a_admin, contacts_a, admins_contact, members_contact):
    before = AuditEvent.objects.filter(kind=READ).count()

    views = records_api.record_views(actor=tenant_a_admin, records=[admins_contact, members_contact], purpose="list")

    assert len(views) == 2
    assert AuditEvent.objects.filter(kind=READ).count() == before + 1


def test_record_views_gives_display_values_and_what_the_actor_may_do(
    tenant_a_admin, member_a_views_income, contacts_a, admins_contact
):
    # given
    record = record_services.record_update(
        actor=tenant_a_admin, record=admins_contact, values={"lifecyclestage": "lead"}
    )

    # when
    (admin_view,) = records_api.record_views(actor=tenant_a_admin, records=[record])
    (member_view,) = records_api.record_views(actor=member_a_views_income, records=[record])

    # then: plain values as stored and as shown (option labels), sensitive ones as readings
    assert admin_view.values["lifecyclestage"] == "lead"
    assert admin_view.display["lifecyclestage"] == "Lead"
    assert admin_view.display["phone"] is None
    assert admin_view.display["income"].value == 120_000
    assert admin_view.display["condition"].state == State.MASKED  # highly sensitive: masked until revealed
    assert "income" not in admin_view.values and "condition" not in admin_view.values
    # a member sees what the grants allow: income, but not the condition
    assert member_view.display["income"].value == 120_000
    assert member_view.display["condition"].state == State.RESTRICTED
    # the record page's groups, in the page's order
    assert [d.name for d, _ in admin_view.grouped()["Contact information"]][:2] == ["email", "firstname"]
    # whoever sees a record may edit and delete it (the grants decide which sensitive values)
    assert (admin_view.can_view, admin_view.can_edit, admin_view.can_delete) == (True, True, True)
    assert (member_view.can_view, member_view.can_edit, member_view.can_delete) == (True, True, True)


def test_a_reveal_shows_the_display_value_and_is_audited_as_a_reveal(tenant_a_admin, admins_contact):
    before = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL).count()

    view = records_api.record_view(actor=tenant_a_admin, record=admins_contact, reveal=("condition",))

    assert view.display["condition"].value == "Asthma (chronic)"
    assert view.readings["condition"].value == "asthma"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL).count() == before + 1


def test_revealing_a_property_that_is_not_sensitive_is_refused(tenant_a_admin, admins_contact):
    with pytest.raises(PropertyDefinition.DoesNotExist):
        records_api.record_view(actor=tenant_a_admin, record=admins_contact, reveal=("firstname",))


def test_properties_limit_the_view_and_keep_their_order(tenant_a_admin, admins_contact):
    (view,) = records_api.record_views(
        actor=tenant_a_admin, records=[admins_contact], properties=["income", "lastname"]
    )

    assert [d.name for d in view.definitions] == ["income", "lastname"]
    assert set(view.display) == {"income", "lastname"}


def test_another_tenants_user_and_an_operator_get_nothing(tenant_b_user, operator, admins_contact):
    # given
    events_before = AuditEvent.objects.filter(Q(actor=tenant_b_user) | Q(actor=operator), kind=READ).count()

    # when / then
    for actor in (tenant_b_user, operator):
        assert records_api.record_views(actor=actor, records=[admins_contact]) == []
        assert records_api.record_views(actor=actor, query=Record.objects.all()) == []
        with pytest.raises(Record.DoesNotExist):
            records_api.record_view(actor=actor, record=admins_contact)
    assert AuditEvent.objects.filter(Q(actor=tenant_b_user) | Q(actor=operator), kind=READ).count() == events_before
    assert records_api.record_permissions(actor=tenant_b_user, record=admins_contact).view is False
