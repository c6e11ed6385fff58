import pytest
from django.core.exceptions import PermissionDenied

from accounts import services as account_services
from audit.models import AuditEvent
from crm.models import Record
from crm.records import selectors as record_selectors
from crm.records import services as record_services


@pytest.fixture
def office(tenant_a_admin, member_a, contacts_a):
    """Max is in Sales with Sam; records owned by Max, by Sam with the Sales team, and by the admin."""
    sam = account_services.user_create(actor=tenant_a_admin, email="sam@acme.test")
    sales = account_services.team_create(actor=tenant_a_admin, name="Sales")
    for user in (member_a, sam):
        account_services.team_member_add(actor=tenant_a_admin, team=sales, user=user)

    def make(name, owner, team=None):
        return record_services.record_create(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": name}, owner=owner, team=team
        )

    return {
        "own": make("Own", member_a),
        "team": make("Team", sam, sales),
        "other": make("Other", tenant_a_admin),
    }


@pytest.mark.parametrize(
    ("scope", "visible"),
    [("all", {"Own", "Team", "Other"}), ("team", {"Own", "Team"}), ("owned", {"Own"})],
)
def test_scopes_on_lists_and_single_reads(office, tenant_a_admin, member_a, contacts_a, scope, visible):
    record_services.record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope=scope)

    listed = {r.display_name for r in record_selectors.record_list(actor=member_a, object_type=contacts_a)}
    assert listed == visible
    for name, record in [("Own", office["own"]), ("Team", office["team"]), ("Other", office["other"])]:
        if name in visible:
            assert record_selectors.record_get(actor=member_a, record_id=record.pk) == record
        else:
            with pytest.raises(Record.DoesNotExist):
                record_selectors.record_get(actor=member_a, record_id=record.pk)
            with pytest.raises(Record.DoesNotExist):
                record_services.record_update(actor=member_a, record=record, values={"firstname": "Hacked"})
    assert {r.display_name for r in record_selectors.record_recent(actor=member_a)} == visible


def test_a_scope_change_is_audited_and_super_admins_always_see_all(office, tenant_a_admin, contacts_a):
    record_services.record_scope_set(actor=tenant_a_admin, user=tenant_a_admin, object_type=contacts_a, scope="owned")

    assert record_selectors.record_list(actor=tenant_a_admin, object_type=contacts_a).count() == 3
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_SCOPE_CHANGED).count() == 1


def test_only_super_admins_set_scopes(member_a, contacts_a):
    with pytest.raises(PermissionDenied):
        record_services.record_scope_set(actor=member_a, user=member_a, object_type=contacts_a, scope="all")


def test_associations_to_hidden_records_are_not_shown(office, tenant_a_admin, member_a, contacts_a):
    record_services.association_create(actor=tenant_a_admin, from_record=office["own"], to_record=office["other"])
    record_services.record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope="owned")

    assert record_selectors.record_associations(actor=member_a, record=office["own"]) == []


def test_recent_records_are_the_newest_changes_of_every_type(tenant_a_admin, contacts_a, companies_a):
    def make(object_type, name):
        key = "firstname" if object_type == contacts_a else "name"
        return record_services.record_create(actor=tenant_a_admin, object_type=object_type, values={key: name})

    made = [make(contacts_a, "c1"), make(companies_a, "k1"), make(contacts_a, "c2"), make(companies_a, "k2")]
    record_services.record_update(actor=tenant_a_admin, record=made[0], values={"firstname": "c1 again"})

    recent = record_selectors.record_recent(actor=tenant_a_admin, limit=3)

    assert [record.pk for record in recent] == [made[0].pk, made[3].pk, made[2].pk]
