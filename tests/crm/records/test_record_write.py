"""record_write: validates, splits plain and sensitive values, and stores both in one transaction."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Record
from crm.records import api as records_api
from crm.records import services as record_services
from sensitive import services as sensitive_services
from sensitive.models import SensitiveValue
from sensitive.readings import State


def test_a_new_record_keeps_plain_values_in_its_json_and_sensitive_ones_encrypted(tenant_a_admin, contacts_a, income):
    # when
    record = records_api.record_write(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Edsger", "income": "95000"}
    )

    # then
    record.refresh_from_db()
    assert record.properties == {"firstname": "Edsger"}
    assert record.display_name == "Edsger"
    assert SensitiveValue.objects.filter(record=record, property=income).exists()
    (view,) = records_api.record_views(actor=tenant_a_admin, records=[record])
    assert view.readings["income"].value == 95_000  # validated: the text became a number


def test_values_are_validated_together_and_nothing_is_stored_on_an_error(tenant_a_admin, contacts_a, income):
    # when
    with pytest.raises(ValidationError) as refused:
        records_api.record_write(
            actor=tenant_a_admin,
            object_type=contacts_a,
            values={"firstname": "Edsger", "income": "a lot", "lifecyclestage": "nope"},
        )

    # then: both bad values named, and no record made
    assert {"income", "lifecyclestage"} <= set(refused.value.message_dict)
    assert "a lot" not in str(refused.value)
    assert not Record.objects.filter(tenant=tenant_a_admin.tenant).exists()


def test_a_refused_sensitive_write_leaves_no_plain_change(member_a_views_income, members_contact):
    # given: Max may view incomes, not edit them

    # when
    with pytest.raises(PermissionDenied):
        records_api.record_write(
            actor=member_a_views_income, record=members_contact, values={"firstname": "Changed", "income": 1}
        )

    # then
    members_contact.refresh_from_db()
    assert members_contact.properties["firstname"] == "Alan"


def test_a_failing_sensitive_write_rolls_back_the_plain_change(tenant_a_admin, members_contact, monkeypatch):
    # given: the sensitive storage breaks in the middle of the write
    def broken_write(**kwargs):
        raise RuntimeError("the storage broke")

    monkeypatch.setattr(sensitive_services, "values_write", broken_write)

    # when
    with pytest.raises(RuntimeError):
        records_api.record_write(
            actor=tenant_a_admin, record=members_contact, values={"firstname": "Changed", "income": 2}
        )

    # then
    members_contact.refresh_from_db()
    assert members_contact.properties["firstname"] == "Alan"


def test_a_record_outside_the_actors_scope_or_tenant_cannot_be_written(
    tenant_a_admin, member_a, tenant_b_user, contacts_a, admins_contact
):
    record_services.record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope="owned")

    for actor in (member_a, tenant_b_user):
        with pytest.raises(Record.DoesNotExist):
            records_api.record_write(actor=actor, record=admins_contact, values={"firstname": "Hacked"})
        with pytest.raises(Record.DoesNotExist):
            records_api.record_delete(actor=actor, record=admins_contact)
    admins_contact.refresh_from_db()
    assert admins_contact.properties["firstname"] == "Grace"


def test_bulk_writes_are_all_or_nothing(tenant_a_admin, contacts_a, income):
    with pytest.raises(ValidationError) as refused:
        records_api.records_write_bulk(
            actor=tenant_a_admin, object_type=contacts_a, rows=[{"firstname": "A", "income": 1}, {"income": "x"}]
        )

    assert list(refused.value.message_dict) == ["row 2"]
    assert not Record.objects.filter(tenant=tenant_a_admin.tenant).exists()

    made = records_api.records_write_bulk(
        actor=tenant_a_admin, object_type=contacts_a, rows=[{"firstname": "A", "income": 1}, {"firstname": "B"}]
    )
    views = records_api.record_views(actor=tenant_a_admin, records=made)
    assert [view.readings["income"].state for view in views] == [State.VALUE, State.EMPTY]
