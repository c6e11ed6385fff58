import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm import selectors, services
from crm.models import Record
from crm.records import selectors as record_selectors
from crm.records import services as record_services


@pytest.fixture
def ada_lovelace(tenant_a_admin, contacts_a) -> Record:
    return record_services.record_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        values={"firstname": "Ada", "lastname": "Lovelace", "email": "ada@analytical.test"},
    )


def test_it_creates_a_record_with_clean_values_and_a_display_name(ada_lovelace, tenant_a_admin):
    assert ada_lovelace.display_name == "Ada Lovelace"
    assert ada_lovelace.owner == tenant_a_admin
    assert ada_lovelace.tenant == tenant_a_admin.tenant
    assert ada_lovelace.properties == {"firstname": "Ada", "lastname": "Lovelace", "email": "ada@analytical.test"}


def test_it_updates_some_values_and_clears_others(ada_lovelace, member_a):
    record = record_services.record_update(
        actor=member_a, record=ada_lovelace, values={"lastname": "King", "email": None, "lifecyclestage": "Lead"}
    )

    record.refresh_from_db()
    assert record.properties == {"firstname": "Ada", "lastname": "King", "lifecyclestage": "lead"}
    assert record.display_name == "Ada King"


def test_a_bad_value_changes_nothing(ada_lovelace, tenant_a_admin):
    with pytest.raises(ValidationError) as error:
        record_services.record_update(
            actor=tenant_a_admin, record=ada_lovelace, values={"firstname": "Augusta", "lifecyclestage": "vip"}
        )

    assert "lifecyclestage" in error.value.message_dict
    ada_lovelace.refresh_from_db()
    assert ada_lovelace.properties["firstname"] == "Ada"


def test_a_required_value_is_needed_to_create_and_cannot_be_cleared(tenant_a_admin, companies_a):
    with pytest.raises(ValidationError) as error:
        record_services.record_create(actor=tenant_a_admin, object_type=companies_a, values={"domain": "x.test"})
    assert error.value.message_dict == {"name": ["Company name (name): a value is required."]}

    company = record_services.record_create(actor=tenant_a_admin, object_type=companies_a, values={"name": "Acme"})
    with pytest.raises(ValidationError):
        record_services.record_update(actor=tenant_a_admin, record=company, values={"name": ""})


def test_it_deletes_a_record(ada_lovelace, member_a):
    record_services.record_delete(actor=member_a, record=ada_lovelace)

    assert not Record.objects.filter(pk=ada_lovelace.pk).exists()


class TestTenantIsolation:
    def test_another_tenant_cannot_list_the_records(self, ada_lovelace, tenant_b_user, contacts_a):
        contacts_b = selectors.object_type_get(actor=tenant_b_user, name="contacts")

        assert list(record_selectors.record_list(actor=tenant_b_user, object_type=contacts_b)) == []
        assert list(record_selectors.record_list(actor=tenant_b_user, object_type=contacts_a)) == []

    def test_another_tenant_cannot_fetch_a_record(self, ada_lovelace, tenant_b_user):
        with pytest.raises(Record.DoesNotExist):
            record_selectors.record_get(actor=tenant_b_user, record_id=ada_lovelace.pk)

    def test_another_tenant_cannot_update_or_delete_a_record(self, ada_lovelace, tenant_b_user):
        with pytest.raises(Record.DoesNotExist):
            record_services.record_update(actor=tenant_b_user, record=ada_lovelace, values={"firstname": "Eve"})
        with pytest.raises(Record.DoesNotExist):
            record_services.record_delete(actor=tenant_b_user, record=ada_lovelace)

        ada_lovelace.refresh_from_db()
        assert ada_lovelace.properties["firstname"] == "Ada"

    def test_another_tenant_cannot_create_records_of_our_object_type(self, tenant_b_user, contacts_a):
        with pytest.raises(Exception, match="No such object type"):
            record_services.record_create(actor=tenant_b_user, object_type=contacts_a, values={"firstname": "Eve"})

    def test_another_tenant_cannot_associate_our_records(self, ada_lovelace, tenant_b_user, tenant_a_admin):
        contacts_b = selectors.object_type_get(actor=tenant_b_user, name="contacts")
        eve = record_services.record_create(actor=tenant_b_user, object_type=contacts_b, values={"firstname": "Eve"})

        with pytest.raises(Record.DoesNotExist):
            record_services.association_create(actor=tenant_b_user, from_record=eve, to_record=ada_lovelace)
        with pytest.raises(Record.DoesNotExist):
            record_services.association_create(actor=tenant_a_admin, from_record=ada_lovelace, to_record=eve)

    def test_a_platform_operator_sees_no_tenant_records(self, ada_lovelace, operator, contacts_a):
        assert list(selectors.object_type_list(actor=operator)) == []
        assert list(record_selectors.record_list(actor=operator, object_type=contacts_a)) == []
        with pytest.raises(Record.DoesNotExist):
            record_selectors.record_get(actor=operator, record_id=ada_lovelace.pk)
        with pytest.raises(PermissionDenied):
            record_services.record_update(actor=operator, record=ada_lovelace, values={"firstname": "Op"})

    def test_a_malformed_id_is_just_not_found(self, tenant_a_admin):
        with pytest.raises(Record.DoesNotExist):
            record_selectors.record_get(actor=tenant_a_admin, record_id="../../etc/passwd")


def test_it_associates_records_both_ways(ada_lovelace, tenant_a_admin, companies_a):
    company = record_services.record_create(
        actor=tenant_a_admin, object_type=companies_a, values={"name": "Analytical"}
    )

    record_services.association_create(actor=tenant_a_admin, from_record=ada_lovelace, to_record=company)
    record_services.association_create(actor=tenant_a_admin, from_record=ada_lovelace, to_record=company)  # idempotent

    assert record_selectors.record_associations(actor=tenant_a_admin, record=ada_lovelace) == [(company, "")]
    assert record_selectors.record_associations(actor=tenant_a_admin, record=company) == [(ada_lovelace, "")]


def test_a_record_cannot_be_associated_with_itself(ada_lovelace, tenant_a_admin):
    with pytest.raises(ValidationError):
        record_services.association_create(actor=tenant_a_admin, from_record=ada_lovelace, to_record=ada_lovelace)


def test_search_matches_name_email_and_domain(ada_lovelace, tenant_a_admin, contacts_a, companies_a):
    record_services.record_create(
        actor=tenant_a_admin, object_type=companies_a, values={"name": "X", "domain": "acme.io"}
    )

    def found(object_type, text):
        return [
            r.display_name
            for r in record_selectors.record_list(actor=tenant_a_admin, object_type=object_type, search=text)
        ]

    assert found(contacts_a, "lovel") == ["Ada Lovelace"]
    assert found(contacts_a, "analytical.test") == ["Ada Lovelace"]
    assert found(companies_a, "acme.io") == ["X"]
    assert found(contacts_a, "nobody") == []


def test_bulk_create_reports_every_bad_row_and_inserts_nothing(tenant_a_admin, contacts_a):
    rows = [{"firstname": "Ok"}, {"lifecyclestage": "nope"}, {"colour": "red"}]

    with pytest.raises(ValidationError) as error:
        record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)

    assert set(error.value.message_dict) == {"row 2", "row 3"}
    assert not Record.objects.exists()


def test_a_property_named_like_a_lookup_filters_by_its_value(tenant_a_admin, contacts_a):
    services.property_definition_create(actor=tenant_a_admin, object_type=contacts_a, name="contains", label="Contains")
    record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "A", "contains": "x"}
    )
    record_services.record_create(
        actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "B", "contains": "y"}
    )

    found = record_selectors.record_list(
        actor=tenant_a_admin, object_type=contacts_a, filters={"contains": "x", "firstname": "A"}
    )

    assert [r.display_name for r in found] == ["A"]
