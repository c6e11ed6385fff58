import pytest

from audit.models import AuditEvent
from crm.records import services as record_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def salaried_grace(tenant_a_admin, grace, salary, member_a):
    """Grace Hopper of the shared cast, with a salary too; Max may see neither value."""
    return record_services.record_update(actor=tenant_a_admin, record=grace, values={"annual_salary": 120000})


def test_a_super_admin_reveals_a_highly_sensitive_value_once(page, live_server, sign_in, salaried_grace):
    sign_in("ada@acme.test", PASSWORD)
    page.goto(f"{live_server.url}/o/contacts/{salaried_grace.pk}/")

    assert page.get_by_text("120000").is_visible()
    assert page.get_by_text("078-05-1120").count() == 0
    page.get_by_role("button", name="Reveal Government id").click()
    assert page.get_by_text("078-05-1120").is_visible()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_REVEAL, property_names=["gov_id"]).exists()

    page.goto(f"{live_server.url}/o/contacts/{salaried_grace.pk}/")
    assert page.get_by_text("078-05-1120").count() == 0

    # the reveal is in the audit viewer, reached from the record page
    page.get_by_role("link", name="Who accessed this record").click()
    row = page.get_by_role("row").filter(has_text="Revealed a highly sensitive value")
    assert row.count() == 1 and "gov_id" in row.inner_text()
    assert "078-05-1120" not in page.content()


def test_a_member_without_a_grant_sees_restricted_values(page, live_server, sign_in, salaried_grace):
    sign_in("max@acme.test", PASSWORD)
    page.goto(f"{live_server.url}/o/contacts/{salaried_grace.pk}/")

    assert page.get_by_role("heading", name="Grace Hopper").is_visible()
    assert page.get_by_text("Restricted").count() == 2
    assert page.get_by_text("120000").count() == 0
    assert page.get_by_role("button", name="Reveal Government id").count() == 0
