"""The record scopes are read once per request, and a change of them is seen by the next read."""

from __future__ import annotations

from crm.models import RecordScope
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from tests.factories import make_record


def test_a_scope_change_is_seen_by_the_next_read_of_the_same_user(tenant_a_admin, member_a, contacts_a):
    # given: a record of the admin's, which the member sees while their scope is "all"
    record = make_record(tenant_a_admin, contacts_a, firstname="Owned by Ada")
    assert record in record_selectors.record_list(actor=member_a, object_type=contacts_a)

    # when: the member's scope becomes "owned"
    record_services.record_scope_set(
        actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope=RecordScope.Scope.OWNED
    )

    # then: the same user object no longer sees it
    assert record not in record_selectors.record_list(actor=member_a, object_type=contacts_a)
