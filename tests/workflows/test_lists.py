"""Lists in eager mode: saving a filter, building an active list, static members, re-evaluation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from audit.models import AuditEvent
from crm.records import services as record_services
from crm.records.filters import query_parse
from crm.records.filters.stored import FilterValueUnreadable, query_open
from tests.factories import grant, make_record
from tests.workflows.conftest import CANARY, CANARY_SALARY
from workflows import building, selectors, services
from workflows.models import List, ListBuildChunk, ListMembership

pytestmark = pytest.mark.django_db(transaction=True)


def _query(*filters):
    return query_parse([{"filters": list(filters)}])


def _canary_query():
    return query_parse(
        [
            {"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]},
            {"filters": [{"propertyName": "annual_salary", "operator": "GT", "value": str(CANARY_SALARY)}]},
        ]
    )


def _members(the_list):
    return set(ListMembership.objects.filter(list=the_list).values_list("record_id", flat=True))


def test_an_active_list_stores_no_sensitive_value_in_plaintext(tenant_a_admin, contacts_a, people):
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Canaries", kind="active", filters=_canary_query()
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM workflows_list WHERE id = %s",
            [the_list.pk.hex if connection.vendor == "sqlite" else the_list.pk],
        )
        row = " ".join(str(column) for column in cursor.fetchone())
    assert CANARY not in row and str(CANARY_SALARY) not in row
    assert "nickname" in row and "sealed" in row
    events = AuditEvent.objects.filter(kind__startswith="list.")
    assert all(CANARY not in str(e.details) for e in events)


def test_an_active_list_is_built_with_the_records_that_meet_its_filter(tenant_a_admin, contacts_a, people):
    query = query_parse(
        [
            {"filters": [{"propertyName": "nickname", "operator": "EQ", "value": CANARY}]},
            {"filters": [{"propertyName": "annual_salary", "operator": "GTE", "value": "50000"}]},
        ]
    )
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Mixed", kind="active", filters=query
    )

    the_list.refresh_from_db()
    assert the_list.status == List.Status.DONE and the_list.progress == 100
    assert _members(the_list) == {people[1].pk, people[3].pk, people[4].pk}
    assert the_list.member_count == 3 and the_list.last_built_at is not None
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, details__purpose="list")
    assert {name for names in reads.values_list("property_names", flat=True) for name in names} == {
        "nickname",
        "annual_salary",
    }


def test_a_sealed_filter_opens_only_for_its_own_list(tenant_a_admin, contacts_a, people):
    first = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="First", kind="active", filters=_canary_query()
    )
    second = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Second", kind="active", filters=_query()
    )

    with pytest.raises(FilterValueUnreadable):
        query_open(object_type=contacts_a, stored=first.filters, holder="list", holder_id=second.pk)
    opened = query_open(object_type=contacts_a, stored=first.filters, holder="list", holder_id=first.pk)
    assert opened.groups[0][0].value == CANARY


def test_a_highly_sensitive_property_cant_be_used_in_a_list(tenant_a_admin, contacts_a, diagnosis):
    with pytest.raises(PermissionDenied, match="highly sensitive properties can't be used in lists"):
        services.list_create(
            actor=tenant_a_admin,
            object_type=contacts_a,
            name="Asthma",
            kind="active",
            filters=_query({"propertyName": "diagnosis", "operator": "EQ", "value": "asthma"}),
        )
    with pytest.raises(PermissionDenied, match="highly sensitive"):
        services.list_create(
            actor=tenant_a_admin,
            object_type=contacts_a,
            name="Asthma",
            kind="active",
            filters=_query({"propertyName": "associations.contacts.diagnosis", "operator": "HAS_PROPERTY"}),
        )
    assert not List.objects.exists()


def test_a_filter_on_a_sensitive_property_needs_the_view_grant_of_who_saves_it(
    tenant_a_admin, member_a, contacts_a, salary
):
    query = _query({"propertyName": "annual_salary", "operator": "GT", "value": "1"})
    with pytest.raises(PermissionDenied, match="Annual salary"):
        services.list_create(actor=member_a, object_type=contacts_a, name="Rich", kind="active", filters=query)

    grant(salary, to=member_a)
    the_list = services.list_create(actor=member_a, object_type=contacts_a, name="Rich", kind="active", filters=query)
    assert the_list.created_by == member_a


def test_bad_filters_and_names_are_refused_before_anything_is_saved(tenant_a_admin, contacts_a, people):
    with pytest.raises(ValidationError) as error:
        services.list_create(
            actor=tenant_a_admin,
            object_type=contacts_a,
            name="Bad",
            kind="active",
            filters=_query({"propertyName": "annual_salary", "operator": "CONTAINS_TOKEN", "value": "x"}),
        )
    assert "filterGroups[0].filters[0]" in error.value.message_dict
    services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Taken")
    with pytest.raises(ValidationError, match="already a list"):
        services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="taken ")
    with pytest.raises(ValidationError, match="static list has no filter"):
        services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="S", filters=_canary_query())
    assert List.objects.count() == 1


def test_a_chunk_delivered_twice_writes_the_same_memberships(tenant_a_admin, contacts_a, people, monkeypatch):
    monkeypatch.setattr(building, "CHUNK", 2)
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Chunks", kind="active", filters=_canary_query()
    )
    the_list.refresh_from_db()
    assert the_list.chunks_total == 3 and the_list.chunks_done == 3
    before = _members(the_list)

    for chunk in ListBuildChunk.objects.filter(list=the_list):
        assert building.list_chunk_build(list_id=the_list.pk, build=chunk.build, low=chunk.low, high=chunk.high) == 0

    the_list.refresh_from_db()
    assert _members(the_list) == before == {people[1].pk, people[3].pk}
    assert the_list.chunks_done == 3 and the_list.member_count == 2


def test_a_rebuild_removes_the_records_that_no_longer_meet_the_filter(tenant_a_admin, contacts_a, people):
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Rebuilt", kind="active", filters=_canary_query()
    )
    services.list_update(
        actor=tenant_a_admin,
        the_list=the_list,
        filters=_query(
            {"propertyName": "annual_salary", "operator": "BETWEEN", "value": "30000", "highValue": "40000"}
        ),
    )

    the_list.refresh_from_db()
    assert _members(the_list) == {people[2].pk, people[3].pk} and the_list.member_count == 2
    assert the_list.build == 2
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LIST_CHANGED, property_names=["annual_salary"]).exists()


def test_a_changed_record_joins_and_leaves_active_lists(tenant_a_admin, contacts_a, people):
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Canaries", kind="active", filters=_canary_query()
    )
    newcomer = make_record(tenant_a_admin, contacts_a, firstname="New", nickname=CANARY)
    assert newcomer.pk in _members(the_list)

    record_services.record_update(actor=tenant_a_admin, record=people[1], values={"nickname": "someone else"})

    the_list.refresh_from_db()
    assert _members(the_list) == {people[3].pk, newcomer.pk} and the_list.member_count == 2


def test_static_lists_take_members_by_hand_and_only_records_the_actor_sees(
    tenant_a_admin, tenant_b_user, contacts_a, contacts_b, people
):
    the_list = services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Hand picked")
    stranger = make_record(tenant_b_user, contacts_b, firstname="Other tenant")

    added = services.list_members_add(actor=tenant_a_admin, the_list=the_list, records=[people[0], people[1], stranger])
    again = services.list_members_add(actor=tenant_a_admin, the_list=the_list, records=[people[1]])
    removed = services.list_members_remove(actor=tenant_a_admin, the_list=the_list, records=[people[0]])

    assert set(added) == {people[0].pk, people[1].pk} and again == [] and removed == [people[0].pk]
    assert [r.pk for r in selectors.list_members(actor=tenant_a_admin, the_list=the_list)] == [people[1].pk]
    assert selectors.list_get(actor=tenant_a_admin, number=the_list.number).member_count == 1
    with pytest.raises(selectors.ListNotFound):
        selectors.list_get(actor=tenant_b_user, number=the_list.number)


def test_an_active_lists_members_are_not_added_by_hand(tenant_a_admin, contacts_a, people):
    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="A", kind="active", filters=_query()
    )
    with pytest.raises(ValidationError, match="active list"):
        services.list_members_add(actor=tenant_a_admin, the_list=the_list, records=people[:1])


def test_deleting_a_list_is_audited_and_removes_its_memberships(tenant_a_admin, contacts_a, people):
    the_list = services.list_create(actor=tenant_a_admin, object_type=contacts_a, name="Gone")
    services.list_members_add(actor=tenant_a_admin, the_list=the_list, records=people)

    services.list_delete(actor=tenant_a_admin, the_list=the_list)

    assert not ListMembership.objects.exists()
    kinds = list(AuditEvent.objects.filter(kind__startswith="list.").values_list("kind", flat=True))
    assert sorted(kinds) == ["list.created", "list.deleted"]


def test_the_schedule_rebuilds_active_lists(tenant_a_admin, contacts_a, people):
    from workflows.tasks import lists_refresh_task

    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Nightly", kind="active", filters=_canary_query()
    )
    assert lists_refresh_task.delay().get() == 1
    the_list.refresh_from_db()
    assert the_list.build == 2 and the_list.status == List.Status.DONE and the_list.member_count == 2


def test_a_build_whose_creator_was_deactivated_fails_with_a_clear_error(
    tenant_a_admin, member_a, salary, contacts_a, people
):
    from accounts import services as account_services

    grant(salary, to=member_a)
    query = _query({"propertyName": "annual_salary", "operator": "GT", "value": str(CANARY_SALARY)})
    the_list = services.list_create(actor=member_a, object_type=contacts_a, name="Max's", kind="active", filters=query)
    account_services.user_deactivate(actor=tenant_a_admin, user=member_a)

    from workflows.tasks import list_build_queue

    list_build_queue(list_id=the_list.pk)

    the_list.refresh_from_db()
    assert the_list.status == List.Status.FAILED and "no longer active" in the_list.error
    assert str(CANARY_SALARY) not in the_list.error


def test_a_build_over_an_archived_sensitive_property_fails_without_crashing(
    tenant_a_admin, contacts_a, nickname, people
):
    from crm.services.properties import property_definition_archive
    from workflows.tasks import list_build_queue

    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Gone soon", kind="active", filters=_canary_query()
    )
    property_definition_archive(actor=tenant_a_admin, definition=nickname)

    list_build_queue(list_id=the_list.pk)

    the_list.refresh_from_db()
    assert the_list.status == List.Status.FAILED and "can't be read" in the_list.error
    assert CANARY not in the_list.error


def test_archived_records_leave_and_a_bulk_import_rebuilds_active_lists(
    tenant_a_admin, contacts_a, people, monkeypatch
):
    from crm.records import api as records
    from workflows import signals

    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Canaries", kind="active", filters=_canary_query()
    )
    assert _members(the_list) == {people[1].pk, people[3].pk}

    records.record_archive(actor=tenant_a_admin, record=people[1])
    the_list.refresh_from_db()
    assert _members(the_list) == {people[3].pk} and the_list.member_count == 1

    monkeypatch.setattr(signals, "CHECK_AT_MOST", 2)
    imported = records.records_write_bulk(
        actor=tenant_a_admin,
        object_type=contacts_a,
        rows=[{"firstname": f"I{i}", "nickname": CANARY if i % 2 else "x"} for i in range(5)],
    )
    the_list.refresh_from_db()
    assert _members(the_list) == {people[3].pk, imported[1].pk, imported[3].pk} and the_list.member_count == 3


def test_a_large_type_gets_fewer_larger_chunks_and_a_small_one_chunks_of_chunk(monkeypatch):
    assert building._chunk_size(5) == building.CHUNK
    assert building._chunk_size(100_000) == building.CHUNK  # 50 chunks of 2,000
    assert building._chunk_size(1_000_000) == building.CHUNK_MAX  # 100 chunks of 10,000
    monkeypatch.setattr(building, "CHUNK", 1)
    assert building._chunk_size(5) == 1


def test_chunks_that_find_nobody_count_and_the_others_find_exactly_the_members(
    tenant_a_admin, contacts_a, people, monkeypatch
):
    # given: one-record chunks; the equality (blind index) leaves most chunks without a candidate
    monkeypatch.setattr(building, "CHUNK", 1)
    query = _query(
        {"propertyName": "nickname", "operator": "EQ", "value": CANARY},
        {"propertyName": "annual_salary", "operator": "GTE", "value": "30000"},
    )

    the_list = services.list_create(
        actor=tenant_a_admin, object_type=contacts_a, name="Few", kind="active", filters=query
    )

    # then: every chunk done, one member (salary 40,000 and the canary nickname)
    the_list.refresh_from_db()
    assert the_list.status == List.Status.DONE and the_list.chunks_done == the_list.chunks_total == 5
    assert _members(the_list) == {people[3].pk} and the_list.member_count == 1
    assert sorted(ListBuildChunk.objects.filter(list=the_list).values_list("matched", flat=True)) == [0, 0, 0, 0, 1]
