"""Create, edit and delete forms generated from property definitions; sensitive fields via the choke point."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts import services as account_services
from audit.models import AuditEvent
from crm.models import Record
from crm.records import services as record_services
from crm.ui.forms.fields import CLEAR_CONFLICT
from crm.ui.forms.records import RecordForm
from sensitive import keys
from sensitive import selectors as sensitive_selectors
from sensitive.models import SensitiveValue
from tests.conftest import VerifiedClient
from tests.factories import grant

NEW = reverse("record_create", args=["contacts"])


def edit_url(record) -> str:
    return reverse("record_update", args=["contacts", record.pk])


def value_of(record, name, actor):
    return sensitive_selectors.values_read(actor=actor, records=[record], reveal=True)[record.pk][name].value


def input_tag(page: str, name: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', page).group(0)


def field_html(page: str, name: str) -> str:
    """The markup of one form field's wrapper: label, help, errors and input."""
    return re.search(rf'<div class="field[^"]*">(?:(?!<div class="field).)*name="{name}".*?</div>', page, re.S).group(0)


# --- the form itself ------------------------------------------------------------------------------


def test_the_new_form_has_a_labelled_field_per_property_and_owner_and_team(client, tenant_a_admin, salary, diagnosis):
    client.force_login(tenant_a_admin)

    page = client.get(NEW).content.decode()

    for name in ("p__email", "p__firstname", "p__lifecyclestage", "sensitive__annual_salary", "sensitive__diagnosis"):
        field_id = re.search(r'id="([^"]+)"', input_tag(page, name)).group(1)
        assert f'<label for="{field_id}">' in page
    assert "<legend>Contact information</legend>" in page and "<legend>Owner and team</legend>" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'inputmode="decimal"' in input_tag(page, "sensitive__annual_salary")


def test_owner_and_team_choices_are_the_tenants_own(client, tenant_a_admin, member_a, tenant_b_user):
    account_services.team_create(actor=tenant_a_admin, name="Sales")
    account_services.team_create(actor=tenant_b_user, name="Globex sales")
    client.force_login(tenant_a_admin)

    page = client.get(NEW).content.decode()

    assert "max@acme.test" in page or "Max Member" in page
    assert "bea@globex.test" not in page and "Globex sales" not in page
    assert ">Sales</option>" in page


def test_service_errors_land_on_their_fields(tenant_a_admin, contacts_a, salary):
    form = RecordForm({"owner": tenant_a_admin.pk}, actor=tenant_a_admin, object_type=contacts_a)
    assert form.is_valid()

    form.add_service_errors(ValidationError({"firstname": ["Too short."], "annual_salary": ["Too high."]}))
    form.add_service_errors(ValidationError("Something else."))

    assert form.errors["p__firstname"] == ["Too short."]
    assert form.errors["sensitive__annual_salary"] == ["Too high."]
    assert form.non_field_errors() == ["Something else."]


# --- creating ---------------------------------------------------------------------------------------


def test_a_valid_form_creates_the_record_and_goes_to_its_page(client, tenant_a_admin, member_a, salary, diagnosis):
    client.force_login(tenant_a_admin)

    response = client.post(
        NEW,
        {
            "p__firstname": "Grace",
            "p__lastname": "Hopper",
            "p__lifecyclestage": "lead",
            "sensitive__annual_salary": "120000",
            "sensitive__diagnosis": "asthma",
            "owner": member_a.pk,
        },
    )

    grace = Record.objects.get(display_name="Grace Hopper")
    assert response.status_code == 302
    assert response["Location"] == reverse("record_detail", args=["contacts", grace.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Contact “Grace Hopper” created."]
    assert grace.properties == {"firstname": "Grace", "lastname": "Hopper", "lifecyclestage": "lead"}
    assert grace.owner == member_a
    assert value_of(grace, "annual_salary", tenant_a_admin) == 120000
    assert value_of(grace, "diagnosis", tenant_a_admin) == "asthma"


def test_a_bad_number_shows_an_error_next_to_its_field_and_keeps_the_input(client, tenant_a_admin, salary):
    client.force_login(tenant_a_admin)

    response = client.post(
        NEW, {"p__firstname": "Grace", "sensitive__annual_salary": "12O000", "owner": tenant_a_admin.pk}
    )

    assert response.status_code == 200
    page = response.content.decode()
    field = field_html(page, "sensitive__annual_salary")
    assert 'class="errorlist"' in field and "number" in field
    assert 'value="12O000"' in field and 'aria-invalid="true"' in field
    assert 'value="Grace"' in input_tag(page, "p__firstname")
    assert "Please correct the error below" in page
    assert not Record.objects.filter(display_name="Grace").exists()


def test_a_service_validation_error_is_shown_on_its_field(client, tenant_a_admin, companies_a):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("record_create", args=["companies"]), {"p__domain": "example.test", "owner": tenant_a_admin.pk}
    )

    field = field_html(response.content.decode(), "p__name")
    assert "Company name (name): a value is required." in field
    assert 'value="example.test"' in response.content.decode()


def test_an_owner_from_another_tenant_is_refused(client, tenant_a_admin, tenant_b_user):
    client.force_login(tenant_a_admin)

    response = client.post(NEW, {"p__firstname": "Grace", "owner": tenant_b_user.pk})

    assert response.status_code == 200
    assert "Select a valid choice" in field_html(response.content.decode(), "owner")
    assert not Record.objects.exists()


def test_posting_without_a_csrf_token_is_refused(tenant_a_admin):
    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(tenant_a_admin)

    response = client.post(NEW, {"p__firstname": "Grace", "owner": tenant_a_admin.pk})

    assert response.status_code == 403
    assert not Record.objects.exists()


# --- editing ----------------------------------------------------------------------------------------


def test_the_edit_form_shows_values_but_masks_highly_sensitive_ones(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = client.get(edit_url(rosalind)).content.decode()

    assert 'value="Rosalind"' in input_tag(page, "p__firstname")
    assert 'value="91250"' in input_tag(page, "sensitive__annual_salary")
    assert "leave empty to keep the current value" in field_html(page, "sensitive__diagnosis")
    assert not re.search(r'value="[^"]+" selected', field_html(page, "sensitive__diagnosis"))
    assert f'href="{reverse("record_delete", args=["contacts", rosalind.pk])}"' in page


def test_saving_with_a_masked_field_left_empty_keeps_its_value(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)
    writes = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_WRITE)
    writes_before = writes.count()

    response = client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Augusta",
            "sensitive__annual_salary": "91250",
            "sensitive__diagnosis": "",
            "owner": rosalind.owner_id,
        },
    )

    assert response.status_code == 302
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Augusta"
    assert value_of(rosalind, "diagnosis", tenant_a_admin) == "asthma"
    assert value_of(rosalind, "annual_salary", tenant_a_admin) == 91250
    assert writes.count() == writes_before  # unchanged sensitive values are not written again


def test_an_edit_changes_sensitive_values_through_the_choke_point(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Rosalind",
            "sensitive__annual_salary": "",
            "sensitive__diagnosis": "diabetes",
            "owner": rosalind.owner_id,
        },
    )

    assert value_of(rosalind, "annual_salary", tenant_a_admin) is None
    assert value_of(rosalind, "diagnosis", tenant_a_admin) == "diabetes"
    rosalind.refresh_from_db()
    assert "annual_salary" not in rosalind.properties and "diagnosis" not in rosalind.properties


# --- clearing a value the form cannot show -------------------------------------------------------

CLEAR = "clear__sensitive__diagnosis"


def stored(record, name) -> bool:
    return SensitiveValue.objects.filter(record=record, property__name=name).exists()


def test_a_masked_value_the_user_may_edit_has_a_labelled_clear_checkbox_next_to_it(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = client.get(edit_url(rosalind)).content.decode()

    field = field_html(page, "sensitive__diagnosis")
    checkbox = input_tag(field, CLEAR)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox
    checkbox_id = re.search(r'id="([^"]+)"', checkbox).group(1)
    assert re.search(rf'<label for="{checkbox_id}">\s*<input[^>]*>\s*Clear the current value', field)
    assert '<span class="visually-hidden"> of Diagnosis</span>' in field
    assert "tick “Clear the current value” to delete it" in field
    assert not re.search(r'value="[^"]+" selected', field)  # the value itself stays out of the page


def test_no_clear_checkbox_for_values_the_form_shows_or_empty_ones(client, tenant_a_admin, contacts_a, rosalind):
    grace = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Grace"})
    client.force_login(tenant_a_admin)

    shown = client.get(edit_url(rosalind)).content.decode()
    empty = client.get(edit_url(grace)).content.decode()
    new = client.get(NEW).content.decode()

    assert 'name="clear__sensitive__annual_salary"' not in shown  # visible: emptying the input clears it
    assert 'name="clear__sensitive__annual_salary"' not in empty  # nothing stored
    assert "clear__" not in new
    assert 'name="clear__p__' not in shown


def test_clear_with_an_empty_input_deletes_the_masked_value(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Rosalind",
            "sensitive__annual_salary": "91250",
            "sensitive__diagnosis": "",
            CLEAR: "on",
            "owner": rosalind.owner_id,
        },
    )

    assert response.status_code == 302
    assert not stored(rosalind, "diagnosis")
    assert value_of(rosalind, "diagnosis", tenant_a_admin) is None
    assert value_of(rosalind, "annual_salary", tenant_a_admin) == 91250
    write = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_WRITE).latest("pk")
    assert write.property_names == ["diagnosis"]


def test_a_write_after_the_keys_were_shredded_is_a_form_error_and_saves_nothing(client, tenant_a_admin, rosalind):
    call_command("shred_tenant", "Acme", "--confirm")
    client.force_login(tenant_a_admin)

    response = client.post(
        edit_url(rosalind),
        {"p__firstname": "Rosalind L.", "sensitive__annual_salary": "1", CLEAR: "on", "owner": rosalind.owner_id},
    )

    assert response.status_code == 200
    assert "keys were destroyed" in response.content.decode()
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"


def test_a_write_without_the_master_key_is_a_form_error_that_names_no_key_location(
    client, tenant_a_admin, rosalind, settings, tmp_path, caplog
):
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{tmp_path}/missing-master.json"
    keys.forget_cached_keys()
    client.force_login(tenant_a_admin)

    response = client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Rosalind",
            "sensitive__annual_salary": "5",
            "sensitive__diagnosis": "",
            "owner": rosalind.owner_id,
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "the encryption keys are unavailable" in page and "missing-master.json" not in page
    assert "missing-master.json" in caplog.text


def test_after_shredding_a_value_can_still_be_cleared(client, tenant_a_admin, rosalind):
    call_command("shred_tenant", "Acme", "--confirm")
    client.force_login(tenant_a_admin)

    response = client.post(
        edit_url(rosalind),
        {"p__firstname": "Rosalind", "sensitive__annual_salary": "", CLEAR: "on", "owner": rosalind.owner_id},
    )

    assert response.status_code == 302
    assert not stored(rosalind, "diagnosis")
    assert stored(rosalind, "annual_salary")  # left as it was: only what was asked is removed


def test_clear_and_a_new_value_together_is_an_error_that_keeps_the_input(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)
    writes = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_WRITE)
    writes_before = writes.count()

    response = client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Augusta",
            "sensitive__annual_salary": "91250",
            "sensitive__diagnosis": "diabetes",
            CLEAR: "on",
            "owner": rosalind.owner_id,
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    field = field_html(page, "sensitive__diagnosis")
    assert CLEAR_CONFLICT in field and 'aria-invalid="true"' in input_tag(field, "sensitive__diagnosis")
    assert '<option value="diabetes" selected>' in field and "checked" in input_tag(field, CLEAR)
    assert "Please correct the error below" in page
    assert value_of(rosalind, "diagnosis", tenant_a_admin) == "asthma"
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"
    assert writes.count() == writes_before


def test_clear_can_delete_an_unreadable_value(client, tenant_a_admin, rosalind, salary):
    value = SensitiveValue.objects.get(record=rosalind, property=salary)
    damaged = bytes(value.ciphertext)[:-1] + bytes([value.ciphertext[-1] ^ 0xFF])  # always another byte
    SensitiveValue.objects.filter(pk=value.pk).update(ciphertext=damaged)
    client.force_login(tenant_a_admin)

    field = field_html(client.get(edit_url(rosalind)).content.decode(), "sensitive__annual_salary")
    client.post(
        edit_url(rosalind),
        {"p__firstname": "Rosalind", "clear__sensitive__annual_salary": "on", "owner": rosalind.owner_id},
    )

    assert 'name="clear__sensitive__annual_salary"' in field
    assert not stored(rosalind, "annual_salary")
    assert stored(rosalind, "diagnosis")


def test_clearing_a_required_value_is_refused_on_its_field(client, tenant_a_admin, rosalind, diagnosis):
    diagnosis.required = True
    diagnosis.save(update_fields=["required"])
    client.force_login(tenant_a_admin)

    response = client.post(edit_url(rosalind), {"p__firstname": "Rosalind", CLEAR: "on", "owner": rosalind.owner_id})

    assert response.status_code == 200
    assert "a value is required" in field_html(response.content.decode(), "sensitive__diagnosis")
    assert value_of(rosalind, "diagnosis", tenant_a_admin) == "asthma"


def test_a_member_with_an_edit_grant_can_clear_a_masked_value(client, member_direct_grant, rosalind, diagnosis):
    grant(diagnosis, to=member_direct_grant, edit=True)
    client.force_login(member_direct_grant)

    page = client.get(edit_url(rosalind)).content.decode()
    client.post(edit_url(rosalind), {"p__firstname": "Rosalind", CLEAR: "on", "owner": rosalind.owner_id})

    assert f'name="{CLEAR}"' in page
    assert not stored(rosalind, "diagnosis")


@pytest.mark.parametrize("_case", ["no_grant", "view_grant"])
def test_a_member_who_may_not_edit_gets_no_clear_and_cannot_forge_one(
    client, tenant_a_admin, member_a, member_direct_grant, rosalind, diagnosis, _case
):
    member = member_a
    if _case == "view_grant":
        member = member_direct_grant
        grant(diagnosis, to=member)
    client.force_login(member)

    page = client.get(edit_url(rosalind)).content.decode()
    response = client.post(
        edit_url(rosalind),
        {"p__firstname": "Rosalind", "sensitive__diagnosis": "", CLEAR: "on", "owner": rosalind.owner_id},
    )

    assert "clear__" not in page
    assert response.status_code == 302
    assert value_of(rosalind, "diagnosis", tenant_a_admin) == "asthma"


def test_a_forged_clear_for_a_value_the_form_shows_is_ignored(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Rosalind",
            "sensitive__annual_salary": "91250",
            "clear__sensitive__annual_salary": "on",
            "clear__p__firstname": "on",
            "owner": rosalind.owner_id,
        },
    )

    assert value_of(rosalind, "annual_salary", tenant_a_admin) == 91250
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"


def test_clearing_a_plain_value_removes_it(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    client.post(
        edit_url(rosalind), {"p__firstname": "", "p__email": "rosalind@example.test", "owner": rosalind.owner_id}
    )

    rosalind.refresh_from_db()
    assert rosalind.properties == {"email": "rosalind@example.test"}


def test_a_member_without_grants_sees_sensitive_fields_read_only_and_masked(client, member_a, rosalind):
    client.force_login(member_a)

    page = client.get(edit_url(rosalind)).content.decode()

    for name in ("sensitive__annual_salary", "sensitive__diagnosis"):
        tag = input_tag(page, name)
        assert "disabled" in tag and 'value="Restricted"' in tag
    assert "you may not edit it; ask" in field_html(page, "sensitive__annual_salary")
    assert "91250" not in page and "asthma" not in page.lower().replace('value="asthma"', "")


def test_a_member_cannot_overwrite_what_they_may_not_edit(client, member_a, rosalind, tenant_a_admin):
    client.force_login(member_a)

    response = client.post(
        edit_url(rosalind),
        {
            "p__firstname": "Rosalind",
            "p__lastname": "Franklin",
            "sensitive__annual_salary": "1",
            "owner": rosalind.owner_id,
        },
    )

    assert response.status_code == 302
    assert value_of(rosalind, "annual_salary", tenant_a_admin) == 91250
    assert value_of(rosalind, "diagnosis", tenant_a_admin) == "asthma"
    rosalind.refresh_from_db()
    assert rosalind.display_name == "Rosalind Franklin"


def test_a_member_with_a_view_grant_sees_the_value_read_only(client, member_direct_grant, rosalind):
    client.force_login(member_direct_grant)

    page = client.get(edit_url(rosalind)).content.decode()

    tag = input_tag(page, "sensitive__annual_salary")
    assert "disabled" in tag and 'value="91250"' in tag


def test_a_member_with_an_edit_grant_edits_the_value(client, tenant_a_admin, member_direct_grant, rosalind, salary):
    grant(salary, to=member_direct_grant, edit=True)
    client.force_login(member_direct_grant)

    client.post(
        edit_url(rosalind),
        {"p__firstname": "Rosalind", "sensitive__annual_salary": "95000", "owner": rosalind.owner_id},
    )

    assert value_of(rosalind, "annual_salary", tenant_a_admin) == 95000


# --- deleting -----------------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("record_delete", args=["contacts", rosalind.pk])).content.decode()

    assert "Delete Rosalind?" in page
    assert '<form method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    assert Record.objects.filter(pk=rosalind.pk).exists()


def test_delete_archives_the_record_and_goes_to_the_index(client, tenant_a_admin, rosalind):
    client.force_login(tenant_a_admin)

    response = client.post(reverse("record_delete", args=["contacts", rosalind.pk]))

    assert response["Location"] == reverse("record_index", args=["contacts"])
    assert Record.objects.get(pk=rosalind.pk).archived_at is not None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.RECORD_DELETED, record_ids=[str(rosalind.pk)])
    assert event.details == {"archived": True}
    # gone from the index and its page, as a deleted record
    index = client.get(reverse("record_index", args=["contacts"])).content.decode()
    assert reverse("record_detail", args=["contacts", rosalind.pk]) not in index and "No contacts found." in index
    assert client.get(reverse("record_detail", args=["contacts", rosalind.pk])).status_code == 404


# --- not found ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("_case", ["other_tenant", "unknown_id", "malformed_id", "wrong_type"])
@pytest.mark.parametrize("action", ["record_update", "record_delete"])
def test_other_tenants_and_unknown_ids_are_a_404(client, rosalind, tenant_b_user, member_a, _case, action):
    user, type_name, record_id = {
        "other_tenant": (tenant_b_user, "contacts", rosalind.pk),
        "unknown_id": (member_a, "contacts", "00000000-0000-0000-0000-000000000000"),
        "malformed_id": (member_a, "contacts", "nope"),
        "wrong_type": (member_a, "companies", rosalind.pk),
    }[_case]
    client.force_login(user)

    assert client.get(reverse(action, args=[type_name, record_id])).status_code == 404
    assert client.post(reverse(action, args=[type_name, record_id]), {"p__firstname": "X"}).status_code == 404
    assert Record.objects.filter(pk=rosalind.pk, properties__firstname="Rosalind").exists()


def test_an_unknown_object_type_is_a_404(client, member_a):
    client.force_login(member_a)

    assert client.get(reverse("record_create", args=["spaceships"])).status_code == 404


def test_the_record_page_links_to_edit(client, member_a, rosalind):
    client.force_login(member_a)

    page = client.get(reverse("record_detail", args=["contacts", rosalind.pk])).content.decode()

    assert f'href="{edit_url(rosalind)}">Edit' in page


def test_a_new_owner_out_of_the_actors_scope_leads_to_the_index(client, tenant_a_admin, member_a, rosalind, contacts_a):
    record_services.record_scope_set(actor=tenant_a_admin, user=member_a, object_type=contacts_a, scope="owned")
    record_services.record_update(actor=tenant_a_admin, record=rosalind, values={}, owner=member_a)
    client.force_login(member_a)

    response = client.post(edit_url(rosalind), {"p__firstname": "Rosalind", "owner": tenant_a_admin.pk})

    assert response["Location"] == reverse("record_index", args=["contacts"])
