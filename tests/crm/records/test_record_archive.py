"""record_archive: an archived record leaves every read of the record layer unless archived ones are asked for."""

import pytest

from audit.models import AuditEvent
from crm.models import Record
from crm.records import api as records_api
from crm.records import lookup
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from tests.factories import make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(tenant_a_admin, contacts_a, alan):
    grace = make_record(tenant_a_admin, contacts_a, firstname="Grace", email="grace@acme.test")
    record_services.association_create(actor=tenant_a_admin, from_record=alan, to_record=grace)
    records_api.record_archive(actor=tenant_a_admin, record=grace)
    return grace


def test_an_archived_record_keeps_its_row_and_values(archived):
    archived.refresh_from_db()
    assert archived.archived_at is not None and archived.properties["firstname"] == "Grace"


def test_an_archived_record_leaves_lists_pages_recent_records_and_links(tenant_a_admin, contacts_a, alan, archived):
    assert list(record_selectors.record_list(actor=tenant_a_admin, object_type=contacts_a)) == [alan]
    assert list(record_selectors.record_list(actor=tenant_a_admin, object_type=contacts_a, archived=True)) == [archived]
    with pytest.raises(Record.DoesNotExist):
        record_selectors.record_get(actor=tenant_a_admin, record_id=archived.pk)
    assert record_selectors.record_get(actor=tenant_a_admin, record_id=archived.pk, archived=True) == archived
    assert archived not in record_selectors.record_recent(actor=tenant_a_admin)
    assert record_selectors.record_associations(actor=tenant_a_admin, record=alan) == []


def test_the_api_lookups_leave_it_out_too(tenant_a_admin, contacts_a, archived):
    email = archived.properties["email"]
    definition = contacts_a.properties.get(name="email")
    with pytest.raises(Record.DoesNotExist):
        lookup.record_get_by_number(actor=tenant_a_admin, object_type=contacts_a, number=archived.number)
    assert lookup.records_by_numbers(actor=tenant_a_admin, object_type=contacts_a, numbers=[archived.number]) == {}
    assert (
        lookup.records_by_unique_value(
            actor=tenant_a_admin, object_type=contacts_a, definition=definition, values=[email]
        )
        == {}
    )
    found = lookup.records_by_unique_value(
        actor=tenant_a_admin, object_type=contacts_a, definition=definition, values=[email.upper()], archived=True
    )
    assert found == {email: archived}


def test_archiving_is_one_audited_delete_and_archiving_again_changes_nothing(tenant_a_admin, archived):
    records_api.record_archive(actor=tenant_a_admin, record=archived)
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_DELETED)
    assert event.details == {"archived": True} and event.record_ids == [str(archived.pk)]


def test_another_tenant_cannot_archive_a_record(tenant_b_user, alan):
    with pytest.raises(Record.DoesNotExist):
        records_api.record_archive(actor=tenant_b_user, record=alan)
    alan.refresh_from_db()
    assert alan.archived_at is None


def test_record_delete_still_removes_a_record_for_good(tenant_a_admin, archived):
    records_api.record_delete(actor=tenant_a_admin, record=archived)
    assert not Record.objects.filter(pk=archived.pk).exists()
