"""/crm/v3/owners: the tenant's people as HubSpot's owners, paged, never an app's own user."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import make_team

pytestmark = pytest.mark.django_db

OWNERS = ["crm.objects.owners.read"]


def _emails(response) -> list[str]:
    return [owner["email"] for owner in response.data["results"]]


def test_an_owner_comes_back_in_hubspots_shape(api_for, tenant_a_admin, member_a, sales):
    response = api_for(OWNERS).get(f"/crm/v3/owners/{member_a.number}")
    assert response.status_code == 200, response.data
    body = response.data
    assert body["id"] == str(member_a.number) and body["userId"] == member_a.number
    assert (body["email"], body["firstName"], body["lastName"]) == ("max@acme.test", "Max", "Member")
    assert body["type"] == "PERSON" and body["archived"] is False
    assert body["createdAt"].endswith("Z") and body["updatedAt"].endswith("Z")
    assert body["teams"] == [{"id": str(sales.pk), "name": "Sales", "primary": True}]


def test_the_list_holds_the_people_of_the_tenant_and_no_app(api_for, tenant_a_admin, member_a, tenant_b_user):
    api = api_for(OWNERS)
    emails = _emails(api.get("/crm/v3/owners"))
    assert emails == ["ada@acme.test", "max@acme.test"]  # by owner number: Ada came first
    assert not User.objects.filter(email__in=emails, role=User.Role.APP).exists()
    assert User.objects.filter(tenant=tenant_a_admin.tenant, role=User.Role.APP).exists()


def test_hubspots_client_path_with_a_slash_works(api_for, tenant_a_admin):
    assert _emails(api_for(OWNERS).get("/crm/v3/owners/")) == ["ada@acme.test"]


def test_deactivated_people_are_archived_owners(api_for, tenant_a_admin, member_a):
    account_services.user_deactivate(actor=tenant_a_admin, user=member_a)
    api = api_for(OWNERS)
    assert _emails(api.get("/crm/v3/owners")) == ["ada@acme.test"]
    archived = api.get("/crm/v3/owners", {"archived": "true"})
    assert _emails(archived) == ["max@acme.test"] and archived.data["results"][0]["archived"] is True
    assert api.get(f"/crm/v3/owners/{member_a.number}").status_code == 404
    assert api.get(f"/crm/v3/owners/{member_a.number}", {"archived": "true"}).status_code == 200


def test_the_email_filter(api_for, tenant_a_admin, member_a):
    api = api_for(OWNERS)
    assert _emails(api.get("/crm/v3/owners", {"email": "MAX@acme.test"})) == ["max@acme.test"]
    assert _emails(api.get("/crm/v3/owners", {"email": "nobody@acme.test"})) == []


def test_paging_through_owners_with_after_has_no_gap_and_no_duplicate(api_for, tenant_a_admin):
    for i in range(7):
        account_services.user_create(actor=tenant_a_admin, email=f"p{i}@acme.test", password=PASSWORD)
    api = api_for(OWNERS)
    seen, params = [], {"limit": 3}
    while True:
        response = api.get("/crm/v3/owners", params)
        assert response.status_code == 200
        seen += _emails(response)
        if "paging" not in response.data:
            break
        following = response.data["paging"]["next"]
        assert "after=" in following["link"] and following["link"].startswith("http")
        params = {"limit": 3, "after": following["after"]}
    assert len(seen) == len(set(seen)) == 8


@pytest.mark.parametrize(
    ("params", "where"),
    [({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "x"}, "limit"), ({"after": "abc"}, "after")],
)
def test_bad_paging_is_a_400(api_for, tenant_a_admin, params, where):
    response = api_for(OWNERS).get("/crm/v3/owners", params)
    assert response.status_code == 400 and response.data["errors"][0]["in"] == where


def test_another_tenants_person_and_an_apps_user_are_404s(api_for, make_app, tenant_b_user):
    app, _ = make_app(["crm.objects.contacts.read"])
    api = api_for(OWNERS)
    for number in (tenant_b_user.number, app.user.number, 999_999_999, "abc"):
        response = api.get(f"/crm/v3/owners/{number}")
        assert response.status_code == 404 and response.data["category"] == "OBJECT_NOT_FOUND"


def test_teams_are_listed_by_name_the_first_primary(api_for, tenant_a_admin, member_a):
    make_team(tenant_a_admin, "Zebra", members=[member_a])
    make_team(tenant_a_admin, "Alpha", members=[member_a])
    teams = api_for(OWNERS).get(f"/crm/v3/owners/{member_a.number}").data["teams"]
    assert [(team["name"], team["primary"]) for team in teams] == [("Alpha", True), ("Zebra", False)]


@pytest.mark.parametrize("path", ["/crm/v3/owners", "/crm/v3/owners/{number}"])
def test_owners_need_the_owners_scope(api_for, tenant_a_admin, path):
    path = path.format(number=tenant_a_admin.number)
    response = api_for(["crm.objects.contacts.read", "crm.schemas.contacts.read"]).get(path)
    assert response.status_code == 403
    assert response.data["errors"][0]["context"]["requiredGranularScopes"] == OWNERS
    assert api_for(OWNERS).get(path).status_code == 200
