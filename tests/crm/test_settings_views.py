"""The super admins' settings area, through the staff UI as a browser would post to it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Team, User
from accounts.sudo import CONFIRMED_AT
from audit.models import AuditEvent
from crm import services
from crm.models import PropertyDefinition, Record, RecordScope
from crm.records import services as record_services
from sensitive import grants
from sensitive.models import SensitiveValue
from tests.conftest import VerifiedClient
from tests.factories import grant, make_property

S = PropertyDefinition.Sensitivity


@pytest.fixture
def plan(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return make_property(
        tenant_a_admin,
        contacts_a,
        "plan",
        data_type="enumeration",
        options=[{"value": "free", "label": "Free"}, {"value": "pro", "label": "Pro"}],
    )


def _page(response) -> str:
    return response.content.decode()


def _errors(response, form: str = "form") -> dict:
    return response.context[form].errors


def _settings_urls(member, team, definition) -> list[str]:
    return [
        reverse("settings_index"),
        reverse("settings_properties"),
        reverse("settings_property_list", args=["contacts"]),
        reverse("settings_property_create", args=["contacts"]),
        reverse("settings_property_edit", args=["contacts", definition.name]),
        reverse("settings_property_sensitivity", args=["contacts", definition.name]),
        reverse("settings_property_access", args=["contacts", definition.name]),
        reverse("settings_object_types"),
        reverse("settings_users"),
        reverse("settings_user_create"),
        reverse("settings_user_detail", args=[member.pk]),
        reverse("settings_user_super_admin", args=[member.pk]),
        reverse("settings_teams"),
        reverse("settings_team_detail", args=[team.pk]),
        reverse("settings_security"),
    ]


# Who may enter


@pytest.mark.parametrize("_case", ["member", "operator"])
def test_everyone_but_super_admins_is_refused_the_whole_area(client, member_a, operator, sales, salary, _case):
    client.force_login({"member": member_a, "operator": operator}[_case])

    for url in _settings_urls(member_a, sales, salary):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "x"}).status_code == 403, url
    assert not Team.objects.filter(name="x").exists()


def test_super_admins_see_every_page_and_a_settings_link(admin_client, member_a, sales, salary):
    for url in _settings_urls(member_a, sales, salary):
        assert admin_client.get(url, follow=True).status_code == 200, url

    assert reverse("settings_index") in _page(admin_client.get(reverse("home")))


def test_members_have_no_settings_link(client, member_a):
    client.force_login(member_a)

    assert reverse("settings_index") not in _page(client.get(reverse("home")))


def test_signed_out_visitors_are_sent_to_sign_in(password_only_client, tenant_a_admin):
    response = password_only_client.get(reverse("settings_users"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_tenants_ids_are_a_plain_404(client, tenant_b_user, member_a, sales, tenant_a_admin):
    services.object_type_create(
        actor=tenant_a_admin, name="projects", label_singular="Project", label_plural="Projects"
    )
    client.force_login(tenant_b_user)

    for url in [
        reverse("settings_user_detail", args=[member_a.pk]),
        reverse("settings_user_super_admin", args=[member_a.pk]),
        reverse("settings_team_detail", args=[sales.pk]),
        reverse("settings_property_list", args=["projects"]),
        reverse("settings_property_edit", args=["projects", "name"]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("settings_user_super_admin", args=[member_a.pk])).status_code == 404
    member_a.refresh_from_db()
    assert member_a.role == User.Role.MEMBER


def test_forms_need_the_csrf_token(tenant_a_admin):
    csrf_client = VerifiedClient(enforce_csrf_checks=True)
    csrf_client.force_login(tenant_a_admin)

    response = csrf_client.post(reverse("settings_teams"), {"name": "Sales"})

    assert response.status_code == 403
    assert not Team.objects.exists()


def test_changes_ask_for_a_fresh_confirmation_first(admin_client, salary, sales):
    session = admin_client.session
    session[CONFIRMED_AT] = 0  # signed in long ago
    session.save()
    url = reverse("settings_property_access", args=["contacts", "annual_salary"])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"grantee": f"team:{sales.pk}", "level": "view"}, HTTP_REFERER=url)

    assert response.status_code == 302 and response["Location"].startswith(reverse("sudo_confirm"))
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_ADDED).exists()


# Properties


def test_the_property_table_shows_sensitivity_and_who_can_see(admin_client, salary, member_team_grant):
    page = _page(admin_client.get(reverse("settings_property_list", args=["contacts"])))

    assert "Annual salary" in page and "annual_salary" in page and "icon-lock" in page
    assert reverse("settings_property_access", args=["contacts", "annual_salary"]) in page
    assert "2 people" in page  # the super admin and Tim through Clinicians


def test_a_super_admin_creates_a_property(admin_client, contacts_a):
    response = admin_client.post(
        reverse("settings_property_create", args=["contacts"]),
        {
            "label": "Tier",
            "name": "tier",
            "data_type": "enumeration",
            "options": "gold|Gold\nsilver|Silver\nbronze",
            "sensitivity": "sensitive",
            "searchable": "on",
            "group": "Billing",
            "description": "Customer tier",
        },
    )

    assert response.status_code == 302
    tier = PropertyDefinition.objects.get(object_type=contacts_a, name="tier")
    assert tier.options == [
        {"value": "gold", "label": "Gold"},
        {"value": "silver", "label": "Silver"},
        {"value": "bronze", "label": "bronze"},
    ]
    assert (tier.sensitivity, tier.searchable, tier.required, tier.group) == ("sensitive", True, False, "Billing")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PROPERTY_CREATED, property_names=["tier"]).exists()


@pytest.mark.parametrize(
    ("_case", "changes", "field", "message"),
    [
        ("bad_name", {"name": "Bad Name!"}, "name", "lower-case letters"),
        ("taken_name", {"name": "email"}, "name", "already have a property named"),
        ("no_options", {"options": ""}, "options", "needs at least one option"),
        ("duplicate_option", {"options": "a|A\na|Again"}, "options", "appears twice"),
        ("options_on_text", {"data_type": "string"}, "options", "Only a choice-from-a-list property"),
    ],
)
def test_a_bad_property_is_refused_next_to_its_field_keeping_what_was_typed(
    admin_client, contacts_a, _case, changes, field, message
):
    data = {
        "label": "Typed label",
        "name": "typed",
        "data_type": "enumeration",
        "options": "x|X",
        "sensitivity": "none",
    }
    data.update(changes)

    response = admin_client.post(reverse("settings_property_create", args=["contacts"]), data)

    assert response.status_code == 200
    errors = _errors(response)
    key = field or "__all__"
    assert message in " ".join(errors.get(key, [])), errors
    page = _page(response)
    assert 'value="Typed label"' in page
    if field:
        assert f'id="id_{field}_error"' in page
    assert not PropertyDefinition.objects.filter(object_type=contacts_a, label="Typed label").exists()


def test_a_super_admin_edits_a_property(admin_client, plan):
    url = reverse("settings_property_edit", args=["contacts", "plan"])
    assert "free|Free\npro|Pro" in _page(admin_client.get(url))

    response = admin_client.post(
        url,
        {"label": "Pricing plan", "group": "Billing", "description": "", "options": "free|Free\npro|Pro\nteam|Team"},
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.label == "Pricing plan" and plan.group == "Billing" and plan.required is False
    assert plan.option_values == ["free", "pro", "team"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED)
    assert event.details == {"property": "plan", "changed": ["label", "group", "options"]}


def test_an_option_in_use_cannot_be_removed(admin_client, plan, tenant_a_admin, contacts_a):
    for _ in range(2):
        record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"plan": "pro"})

    response = admin_client.post(
        reverse("settings_property_edit", args=["contacts", "plan"]),
        {"label": "Plan", "options": "free|Free"},
    )

    assert response.status_code == 200
    assert "'pro' (2 records)" in " ".join(_errors(response)["options"])
    assert "free|Free" in _page(response)  # what was typed stays
    plan.refresh_from_db()
    assert plan.option_values == ["free", "pro"]


def test_options_in_use_are_found_whatever_the_property_is_named(tenant_a_admin, contacts_a):
    # "contains" is also the name of a JSON lookup: the check must read it as a key.
    contains = services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="contains",
        label="Contains",
        data_type="enumeration",
        options=[{"value": "nuts", "label": "Nuts"}, {"value": "milk", "label": "Milk"}],
    )
    record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"contains": "nuts"})

    with pytest.raises(ValidationError) as error:
        services.property_definition_update(
            actor=tenant_a_admin,
            definition=contains,
            label="Contains",
            description="",
            group="",
            options=[{"value": "milk", "label": "Milk"}],
            required=False,
        )

    assert "'nuts' (1 record)" in str(error.value)


def test_pipeline_stages_are_not_edited_as_options(admin_client, tenant_a_admin):
    url = reverse("settings_property_edit", args=["deals", "dealstage"])
    stage = PropertyDefinition.objects.get(object_type__tenant=tenant_a_admin.tenant, name="dealstage")
    before = stage.options

    response = admin_client.post(url, {"label": "Stage", "options": "only|Only"})

    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.label == "Stage" and stage.options == before
    with pytest.raises(ValidationError):
        services.property_definition_update(
            actor=tenant_a_admin,
            definition=stage,
            label="Stage",
            description="",
            group=stage.group,
            options=before[:1],
            required=False,
        )


def test_an_unused_option_can_be_removed(tenant_a_admin, plan):
    plan = services.property_definition_update(
        actor=tenant_a_admin,
        definition=plan,
        label="Plan",
        description="",
        group="",
        options=[{"value": "pro", "label": "Professional"}],
        required=False,
    )

    assert plan.options == [{"value": "pro", "label": "Professional"}]


def test_options_of_a_sensitive_enumeration_cannot_be_removed(tenant_a_admin, diagnosis):
    with pytest.raises(ValidationError) as error:
        services.property_definition_update(
            actor=tenant_a_admin,
            definition=diagnosis,
            label="Diagnosis",
            description="",
            group="",
            options=[{"value": "asthma", "label": "Asthma"}],
            required=False,
        )

    assert "without decrypting" in str(error.value)
    diagnosis.refresh_from_db()
    assert diagnosis.option_values == ["asthma", "diabetes"]


@pytest.mark.parametrize("_case", ["member", "other_tenant"])
def test_only_the_tenants_super_admins_update_properties(member_a, tenant_b_user, plan, _case):
    actor = {"member": member_a, "other_tenant": tenant_b_user}[_case]

    with pytest.raises((PermissionDenied, PropertyDefinition.DoesNotExist)):
        services.property_definition_update(
            actor=actor, definition=plan, label="Mine", description="", group="", options=plan.options, required=False
        )

    plan.refresh_from_db()
    assert plan.label == "Plan"


# Sensitivity


def test_raising_sensitivity_says_what_happens_and_needs_the_typed_name(
    admin_client, tenant_a_admin, contacts_a, django_capture_on_commit_callbacks
):
    for number in ("+44 1", "+44 2", "+44 3"):
        record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"phone": number})
    url = reverse("settings_property_sensitivity", args=["contacts", "phone"])

    page = _page(admin_client.get(url, {"to": "sensitive"}))
    assert "Raising to Sensitive will encrypt 3 existing values" in page
    assert "Type phone to confirm." in page

    wrong = admin_client.post(url, {"sensitivity": "sensitive", "confirm": "Phone"})
    assert "exactly as shown" in " ".join(_errors(wrong)["confirm"])
    assert PropertyDefinition.objects.get(object_type=contacts_a, name="phone").sensitivity == S.NONE

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"sensitivity": "sensitive", "confirm": "phone"})

    assert response.status_code == 302
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    assert phone.sensitivity == S.SENSITIVE and not phone.values_moving
    assert SensitiveValue.objects.filter(property=phone).count() == 3
    assert not Record.objects.filter(properties__has_key="phone").exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVITY_CHANGED, property_names=["phone"]).exists()


def test_lowering_to_not_sensitive_spells_out_plain_text(
    admin_client, rosalind, salary, django_capture_on_commit_callbacks
):
    url = reverse("settings_property_sensitivity", args=["contacts", "annual_salary"])

    page = _page(admin_client.get(url, {"to": "none"}))

    assert (
        "Lowering to Not sensitive will store 1 existing value in plain text and every user who can see "
        "these records will see them." in page
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"sensitivity": "none", "confirm": "annual_salary"})
    rosalind.refresh_from_db()
    assert rosalind.properties["annual_salary"] == 91250
    assert not SensitiveValue.objects.filter(property=salary).exists()


@pytest.mark.parametrize(
    ("_case", "to", "expected"),
    [
        ("masked", "highly_sensitive", "Its 1 existing value stays encrypted. The 2 people who may see them will see"),
        ("unmasked", "sensitive", "Its 1 existing value stays encrypted, but the 2 people who may see them will see"),
    ],
)
def test_moving_between_sensitive_levels_says_who_is_affected(
    admin_client, rosalind, salary, diagnosis, member_direct_grant, _case, to, expected
):
    definition = {"masked": salary, "unmasked": diagnosis}[_case]
    grant(definition, to=member_direct_grant)

    page = _page(
        admin_client.get(reverse("settings_property_sensitivity", args=["contacts", definition.name]), {"to": to})
    )

    assert expected in page


def test_choosing_the_current_level_is_an_error(admin_client, salary):
    response = admin_client.get(
        reverse("settings_property_sensitivity", args=["contacts", "annual_salary"]), {"to": "sensitive"}
    )

    assert "already Sensitive" in " ".join(_errors(response, "choice_form")["to"])
    assert "Change to Sensitive" not in _page(response)


def test_values_being_moved_are_shown_and_block_another_change(admin_client, salary):
    PropertyDefinition.objects.filter(pk=salary.pk).update(values_moving=True)

    listing = _page(admin_client.get(reverse("settings_property_list", args=["contacts"])))
    url = reverse("settings_property_sensitivity", args=["contacts", "annual_salary"])
    response = admin_client.post(url, {"sensitivity": "none", "confirm": "annual_salary"})

    assert "values are being moved" in listing
    assert "Values are being moved" in _page(response)
    salary.refresh_from_db()
    assert salary.sensitivity == S.SENSITIVE


# Who can see this


def test_grant_and_revoke_from_the_ui(admin_client, salary, sales, member_a, tenant_a_admin):
    url = reverse("settings_property_access", args=["contacts", "annual_salary"])

    response = admin_client.post(url, {"grantee": f"team:{sales.pk}", "level": "view"})

    assert response.status_code == 302
    lines = grants.property_access_list(actor=tenant_a_admin, definition=salary)
    assert [(line.user.email, line.level, line.through) for line in lines if line.user == member_a] == [
        ("max@acme.test", "view", "team Sales")
    ]
    page = _page(admin_client.get(url))
    assert "team Sales" in page and "Revoke" in page

    admin_client.post(url, {"revoke": f"team:{sales.pk}"})

    assert [line.through for line in grants.property_access_list(actor=tenant_a_admin, definition=salary)] == [
        "super admin"
    ]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_REMOVED).count() == 1


def test_a_grant_to_another_tenants_user_is_refused(admin_client, salary, tenant_b_user):
    url = reverse("settings_property_access", args=["contacts", "annual_salary"])

    granted = admin_client.post(url, {"grantee": f"user:{tenant_b_user.pk}", "level": "edit"})
    revoked = admin_client.post(url, {"revoke": f"user:{tenant_b_user.pk}"})

    assert _errors(granted)["grantee"]
    assert "No such user or team" in _page(revoked)
    assert not AuditEvent.objects.filter(kind__in=[AuditEvent.Kind.GRANT_ADDED, AuditEvent.Kind.GRANT_REMOVED])


# Users, teams and super admins


def test_the_user_list_shows_roles_teams_and_super_admins(admin_client, member_a, sales):
    page = _page(admin_client.get(reverse("settings_users")))

    assert "max@acme.test" in page and "Max Member" in page and "Sales" in page
    assert "Super admins" in page and "ada@acme.test" in page


def test_a_taken_email_is_refused_next_to_its_field(admin_client, member_a):
    # The form takes no password: the new user sets their own through an emailed link.
    response = admin_client.post(
        reverse("settings_user_create"), {"email": "Max@acme.test", "first_name": "New", "role": "member"}
    )

    assert response.status_code == 200
    assert "already exists" in " ".join(_errors(response)["email"])
    assert 'type="password"' not in _page(response)
    assert User.objects.filter(email="max@acme.test").count() == 1


def test_a_super_admin_adds_a_user(admin_client, tenant_a_admin):
    response = admin_client.post(
        reverse("settings_user_create"),
        {"email": "New@Acme.test", "first_name": "Nia", "last_name": "New", "role": "member"},
    )

    user = User.objects.get(email="new@acme.test")
    assert response["Location"] == reverse("settings_user_detail", args=[user.pk])
    assert user.tenant_id == tenant_a_admin.tenant_id and not user.has_usable_password()


def test_teams_are_created_and_members_added_and_removed(admin_client, member_a, tenant_b_user):
    admin_client.post(reverse("settings_teams"), {"name": "Support"})
    team = Team.objects.get(name="Support")
    url = reverse("settings_team_detail", args=[team.pk])

    foreign = admin_client.post(url, {"add": "1", "user": str(tenant_b_user.pk)})
    assert _errors(foreign)["user"]
    admin_client.post(url, {"add": "1", "user": str(member_a.pk)})
    assert list(team.members) == [member_a]
    assert "max@acme.test" in _page(admin_client.get(url))

    admin_client.post(url, {"remove": str(member_a.pk)})
    assert not team.members.exists()


def test_a_duplicate_team_name_is_an_error_next_to_the_field(admin_client, sales):
    response = admin_client.post(reverse("settings_teams"), {"name": "sales"})

    assert "already exists" in " ".join(_errors(response)["name"])


def test_super_admins_are_made_and_removed_after_a_confirmation(admin_client, member_a):
    url = reverse("settings_user_super_admin", args=[member_a.pk])
    assert "Make Max Member a super admin?" in _page(admin_client.get(url))

    admin_client.post(url)
    member_a.refresh_from_db()
    assert member_a.is_super_admin
    assert "Remove Max Member as super admin?" in _page(admin_client.get(url))

    admin_client.post(url)
    member_a.refresh_from_db()
    assert not member_a.is_super_admin


def test_the_last_super_admin_cannot_be_removed(admin_client, tenant_a_admin):
    response = admin_client.post(reverse("settings_user_super_admin", args=[tenant_a_admin.pk]))

    assert response.status_code == 200
    assert "at least one active super admin" in _page(response)
    tenant_a_admin.refresh_from_db()
    assert tenant_a_admin.is_super_admin


def test_record_scopes_are_set_per_object_type(admin_client, member_a, contacts_a):
    url = reverse("settings_user_detail", args=[member_a.pk])
    form = admin_client.get(url).context["scope_form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["contacts"] = "owned"

    admin_client.post(url, data)

    assert list(RecordScope.objects.filter(user=member_a).values_list("object_type__name", "scope")) == [
        ("contacts", "owned")
    ]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_SCOPE_CHANGED).count() == 1
    assert admin_client.get(url).context["scope_form"]["contacts"].initial == "owned"


def test_the_user_page_lists_the_sensitive_properties_they_can_see(admin_client, member_direct_grant, salary):
    grant(salary, to=member_direct_grant, edit=True)

    page = _page(admin_client.get(reverse("settings_user_detail", args=[member_direct_grant.pk])))

    assert "Contact: Annual salary" in page and "view and edit" in page and "direct grant" in page


# Object types


def test_a_super_admin_creates_a_custom_object_type(admin_client, tenant_a_admin):
    response = admin_client.post(
        reverse("settings_object_types"),
        {"name": "projects", "label_singular": "Project", "label_plural": "Projects"},
    )

    assert response["Location"] == reverse("settings_property_list", args=["projects"])
    bad = admin_client.post(
        reverse("settings_object_types"), {"name": "Bad name", "label_singular": "X", "label_plural": "Xs"}
    )
    assert _errors(bad)["name"] and 'value="Bad name"' in _page(bad)
