"""Every persona x (view, edit) x (sensitive, highly sensitive), on the choke point, the selectors and the admin."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services as account_services
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from sensitive import grants, permissions, selectors
from sensitive.readings import State
from tests.factories import grant, make_property, make_record

PERSONAS = ["super_admin", "direct_grant", "team_grant", "no_grant", "other_tenant", "operator"]
SECRET = {"sensitive": "S-4412", "highly_sensitive": "H-9981"}


@pytest.fixture
def world(
    tenant_a_admin, contacts_a, member_direct_grant, member_team_grant, clinicians, member_a, tenant_b_user, operator
):
    """The shared cast, and a contact Pat with one value of each sensitive level that only the test grants."""
    permissions.forget_cached_grants()
    cast = {
        "super_admin": tenant_a_admin,
        "direct_grant": member_direct_grant,
        "team_grant": member_team_grant,
        "no_grant": member_a,
        "other_tenant": tenant_b_user,
        "operator": operator,
    }
    definitions = {
        level: make_property(
            tenant_a_admin, contacts_a, f"{level}_id", label=f"{level} id", sensitivity=level, searchable=True
        )
        for level in SECRET
    }
    record = make_record(
        tenant_a_admin, contacts_a, firstname="Pat", **{f"{level}_id": value for level, value in SECRET.items()}
    )
    return {"cast": cast, "team": clinicians, "definitions": definitions, "record": record, "contacts": contacts_a}


def _grant(world, access: str) -> None:
    for definition in world["definitions"].values():
        grant(definition, to=world["cast"]["direct_grant"], edit=access == "edit")
        grant(definition, to=world["team"], edit=access == "edit")


def _may_view(persona):
    return persona in ("super_admin", "direct_grant", "team_grant")


def _may_edit(persona, access):
    return persona == "super_admin" or (persona in ("direct_grant", "team_grant") and access == "edit")


@pytest.mark.parametrize("sensitivity", list(SECRET))
@pytest.mark.parametrize("access", ["view", "edit"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_choke_point(world, persona, access, sensitivity):
    _grant(world, access)
    actor, record, name = world["cast"][persona], world["record"], f"{sensitivity}_id"

    if persona in ("other_tenant", "operator"):
        with pytest.raises(PermissionDenied):
            selectors.values_read(actor=actor, records=[record])
        with pytest.raises((PermissionDenied, type(record).DoesNotExist)):
            record_services.record_update(actor=actor, record=record, values={name: "X"})
        return

    reading = selectors.values_read(actor=actor, records=[record])[record.pk][name]
    revealed = selectors.value_reveal(actor=actor, record=record, name=name)
    if not _may_view(persona):
        assert reading.state == State.RESTRICTED and revealed.state == State.RESTRICTED
    elif sensitivity == "highly_sensitive":
        assert reading.state == State.MASKED and revealed.value == SECRET[sensitivity]
    else:
        assert reading.value == SECRET[sensitivity] and revealed.value == SECRET[sensitivity]

    if _may_edit(persona, access):
        record_services.record_update(actor=actor, record=record, values={name: "CHANGED"})
        assert selectors.value_reveal(actor=world["cast"]["super_admin"], record=record, name=name).value == "CHANGED"
    else:
        with pytest.raises(PermissionDenied, match=name):
            record_services.record_update(actor=actor, record=record, values={name: "CHANGED"})


@pytest.mark.parametrize("sensitivity", list(SECRET))
@pytest.mark.parametrize("access", ["view", "edit"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_selectors(world, persona, access, sensitivity):
    _grant(world, access)
    actor, name = world["cast"][persona], f"{sensitivity}_id"

    def search():
        return list(
            record_selectors.record_list(
                actor=actor, object_type=world["contacts"], filters={name: SECRET[sensitivity]}, reveal=True
            )
        )

    if persona in ("other_tenant", "operator"):
        assert search() == []
        with pytest.raises(type(world["record"]).DoesNotExist):
            record_selectors.record_get(actor=actor, record_id=world["record"].pk)
    elif _may_view(persona):
        assert search() == [world["record"]]
    else:
        with pytest.raises(PermissionDenied):
            search()


@pytest.mark.parametrize("sensitivity", list(SECRET))
@pytest.mark.parametrize("access", ["view", "edit"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin(world, client, persona, access, sensitivity):
    _grant(world, access)
    client.force_login(world["cast"][persona])

    response = client.get(reverse("admin:crm_record_change", args=[world["record"].pk]))

    page = response.content.decode()
    assert SECRET[sensitivity] not in page or (persona == "super_admin" and sensitivity == "sensitive")
    if persona == "super_admin":
        assert response.status_code == 200
        assert (SECRET[sensitivity] in page) == (sensitivity == "sensitive")
    elif persona == "operator":
        assert response.status_code == 200 and f"sensitive__{sensitivity}_id" not in page
    else:
        assert response.status_code in (302, 403, 404)


def test_revoking_a_team_grant_takes_effect_on_the_next_request(world, client):
    _grant(world, "view")
    member, record = world["cast"]["team_grant"], world["record"]
    client.force_login(member)
    url = reverse("record_detail", args=["contacts", record.pk])
    assert SECRET["sensitive"] in client.get(url).content.decode()

    grants.property_revoke(
        actor=world["cast"]["super_admin"], definition=world["definitions"]["sensitive"], grantee=world["team"]
    )

    page = client.get(url).content.decode()
    assert SECRET["sensitive"] not in page and "Restricted" in page


def test_leaving_the_team_takes_effect_on_the_next_request(world):
    _grant(world, "view")
    member, record = world["cast"]["team_grant"], world["record"]
    assert selectors.values_read(actor=member, records=[record])[record.pk]["sensitive_id"].is_value

    account_services.team_member_remove(actor=world["cast"]["super_admin"], team=world["team"], user=member)

    assert selectors.values_read(actor=member, records=[record])[record.pk]["sensitive_id"].state == State.RESTRICTED


def test_a_restricted_marker_says_who_to_ask(world):
    reading = selectors.values_read(actor=world["cast"]["no_grant"], records=[world["record"]])
    assert "ada@acme.test (super admin)" in reading[world["record"].pk]["sensitive_id"].hint
