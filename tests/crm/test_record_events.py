"""The record layer's change signal: sent after the commit, with ids and property names, never values."""

import pytest
from django.db import transaction

from crm.records import api as records
from crm.records.events import record_changed


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    record_changed.connect(receiver, dispatch_uid="test-heard")
    yield calls
    record_changed.disconnect(dispatch_uid="test-heard")


@pytest.mark.django_db(transaction=True)
def test_create_update_archive_are_told_after_the_commit_with_names_only(tenant_a_admin, contacts_a, salary, heard):
    with transaction.atomic():
        record = records.record_write(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Rosa", "annual_salary": 91_250}
        )
        assert heard == []  # not before the commit
    assert heard[-1]["change"] == "created" and heard[-1]["record_ids"] == [str(record.pk)]
    assert set(heard[-1]["properties"]) == {"firstname", "annual_salary"}

    records.record_write(actor=tenant_a_admin, record=record, values={"firstname": "Rosa", "lastname": "P"})
    assert heard[-1]["change"] == "updated" and heard[-1]["properties"] == ("lastname",)  # firstname didn't change

    records.record_archive(actor=tenant_a_admin, record=record)
    assert heard[-1]["change"] == "archived" and heard[-1]["properties"] == ()
    assert "91250" not in repr(heard) and "Rosa" not in repr(heard)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_is_not_told(tenant_a_admin, contacts_a, heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Gone"})
        raise RuntimeError
    assert heard == []
