import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from crm import services
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from sensitive import selectors
from sensitive.models import SensitiveValue
from tests.factories import make_property


@pytest.fixture
def patients(tenant_a_admin, contacts_a, salary, diagnosis):
    rows = [
        {"firstname": "A", "annual_salary": 50_000, "diagnosis": "asthma"},
        {"firstname": "B", "annual_salary": 60_000, "diagnosis": "diabetes"},
        {"firstname": "C", "annual_salary": 50_000},
    ]
    return record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)


def test_equality_finds_exactly_the_matching_records(patients, tenant_a_admin, salary):
    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value="50000")

    assert set(found) == {patients[0].pk, patients[2].pk}


def test_searchable_values_carry_a_truncated_index_and_others_none(patients, salary, settings):
    indexes = SensitiveValue.objects.filter(property=salary).values_list("blind_index", flat=True)

    assert all(index is not None and 0 <= index < 2**settings.SENSITIVE_BLIND_INDEX_BITS for index in indexes)
    assert len(set(indexes)) == 2  # equal salaries share an index value: the documented leakage


def test_candidates_that_collide_are_confirmed_by_decrypting(tenant_a_admin, contacts_a, salary, settings):
    settings.SENSITIVE_BLIND_INDEX_BITS = 1  # every other value collides
    rows = [{"annual_salary": 1_000 + i} for i in range(40)]
    records = record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)

    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value=1_007)

    assert found == [records[7].pk]


def test_text_is_matched_without_regard_to_case_and_spacing(tenant_a_admin, contacts_a):
    nationality = services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="nationality",
        label="Nationality",
        sensitivity="sensitive",
        searchable=True,
    )
    record = record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"nationality": "New  Zealand"}
    )

    assert selectors.record_ids_matching(actor=tenant_a_admin, definition=nationality, value="new zealand") == [
        record.pk
    ]


def test_a_user_who_may_not_view_cannot_filter(patients, member_a, salary):
    with pytest.raises(PermissionDenied, match="filter on Annual salary"):
        selectors.record_ids_matching(actor=member_a, definition=salary, value=50_000)


def test_record_list_filters_on_sensitive_properties_through_the_index(patients, tenant_a_admin, contacts_a):
    found = record_selectors.record_list(
        actor=tenant_a_admin, object_type=contacts_a, filters={"diagnosis": "asthma"}, reveal=True
    )

    assert [record.pk for record in found] == [patients[0].pk]


def test_a_filter_on_a_highly_sensitive_property_is_a_reveal_of_the_matches(patients, tenant_a_admin, diagnosis):
    # when
    with pytest.raises(PermissionDenied, match="reveals its values"):
        selectors.record_ids_matching(actor=tenant_a_admin, definition=diagnosis, value="asthma")
    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=diagnosis, value="asthma", reveal=True)

    # then
    event = AuditEvent.objects.filter(actor=tenant_a_admin).order_by("-id").first()
    assert found == [patients[0].pk]
    assert event.kind == AuditEvent.Kind.SENSITIVE_REVEAL
    assert event.record_ids == [str(patients[0].pk)] and event.property_names == ["diagnosis"]


def test_a_tampered_candidate_is_logged_and_the_others_still_match(patients, tenant_a_admin, salary, caplog):
    tampered = SensitiveValue.objects.get(record=patients[0], property=salary)
    damaged = bytes(tampered.ciphertext)[:-1] + bytes([tampered.ciphertext[-1] ^ 0xFF])  # always another byte
    SensitiveValue.objects.filter(pk=tampered.pk).update(ciphertext=damaged)

    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=salary, value=50_000)

    assert found == [patients[2].pk]
    assert f"annual_salary of record {patients[0].pk} cannot be decrypted" in caplog.text


@pytest.fixture
def residency(tenant_a_admin, contacts_a):
    options = [{"value": v, "label": v.title()} for v in ("citizen", "resident", "visitor", "student")]
    return make_property(
        tenant_a_admin,
        contacts_a,
        "residency",
        data_type="enumeration",
        options=options,
        sensitivity="sensitive",
        searchable=True,
    )


def _residents(actor, contacts, values):
    rows = [{"firstname": f"R{i}", **({"residency": v} if v else {})} for i, v in enumerate(values)]
    return record_services.records_bulk_create(actor=actor, object_type=contacts, rows=rows)


def test_equality_on_an_enumeration_whose_options_the_index_tells_apart_decrypts_nothing(
    tenant_a_admin, contacts_a, residency, decryptions
):
    records = _residents(tenant_a_admin, contacts_a, ["citizen", "visitor", "citizen", None, "student"])

    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=residency, value="citizen")

    assert set(found) == {records[0].pk, records[2].pk}
    assert decryptions == []


def test_equality_on_an_enumeration_whose_options_share_an_index_is_confirmed_by_decrypting(
    tenant_a_admin, contacts_a, residency, decryptions, settings
):
    settings.SENSITIVE_BLIND_INDEX_BITS = 0  # every option's index is 0
    records = _residents(tenant_a_admin, contacts_a, ["citizen", "visitor", "citizen", None, "student"])

    found = selectors.record_ids_matching(actor=tenant_a_admin, definition=residency, value="citizen")

    assert set(found) == {records[0].pk, records[2].pk}
    assert sum(decryptions) == 4
