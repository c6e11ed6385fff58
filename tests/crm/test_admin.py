import pytest
from django.urls import reverse

from accounts.models import Tenant
from accounts.security import MFA_NEEDED_FOR_SENSITIVE
from audit.models import AuditEvent
from crm import services
from crm.models import Pipeline, PropertyDefinition, Record
from crm.records import services as record_services
from tests.admin_forms import admin_form_data
from tests.factories import make_property, make_record


@pytest.fixture
def eve(tenant_b_user, contacts_b):
    return make_record(tenant_b_user, contacts_b, firstname="Eve")


def test_a_super_admin_sees_only_their_tenants_records(client, tenant_a_admin, alan, eve):
    client.force_login(tenant_a_admin)

    page = client.get(reverse("admin:crm_record_changelist")).content.decode()

    assert "Alan" in page and "Eve" not in page
    assert client.get(reverse("admin:crm_record_change", args=[eve.pk])).status_code in (302, 404)


def test_a_member_cannot_use_the_admin(client, member_a):
    client.force_login(member_a)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 403


def test_a_platform_operator_sees_tenants_and_cannot_edit_records(client, operator, alan):
    client.force_login(operator)

    assert "Acme" in client.get(reverse("admin:accounts_tenant_changelist")).content.decode()
    response = client.post(reverse("admin:crm_record_change", args=[alan.pk]), {"properties": '{"firstname": "Op"}'})
    assert response.status_code == 403
    alan.refresh_from_db()
    assert alan.properties["firstname"] == "Alan"


def test_a_bad_value_in_the_admin_is_a_form_error(client, tenant_a_admin, alan, contacts_a):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[alan.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Alan", "lifecyclestage": "vip"}'},
    )

    assert response.status_code == 200
    assert "Lifecycle stage (lifecyclestage): must be one of the options" in response.content.decode()
    alan.refresh_from_db()
    assert "lifecyclestage" not in alan.properties


def test_a_super_admin_edits_a_record_through_the_services(client, tenant_a_admin, alan):
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_change", args=[alan.pk]),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Augusta", "lifecyclestage": "Customer"}'},
    )

    assert response.status_code == 302
    alan.refresh_from_db()
    assert alan.properties == {"firstname": "Augusta", "lifecyclestage": "customer"}
    assert alan.display_name == "Augusta"


def test_an_operator_creates_a_tenant_in_the_admin(client, operator):
    client.force_login(operator)

    response = client.post(
        reverse("admin:accounts_tenant_add"),
        {"name": "Initech", "admin_email": "bill@initech.test"},
    )

    assert response.status_code == 302
    assert Record.objects.count() == 0
    from accounts.models import User

    assert User.objects.get(email="bill@initech.test").is_super_admin


# The data model in the admin goes through the same services as the settings UI


@pytest.fixture
def passport(tenant_a_admin, contacts_a):
    return make_property(tenant_a_admin, contacts_a, "passport", sensitivity="sensitive")


def _change(client, obj, **changes):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return client.post(url, admin_form_data(client.get(url), **changes))


def test_a_sensitivity_change_in_the_admin_goes_through_the_service(client, tenant_a_admin, passport):
    # given
    client.force_login(tenant_a_admin)

    # when
    response = _change(client, passport, sensitivity="highly_sensitive")

    # then
    assert response.status_code == 302
    passport.refresh_from_db()
    assert passport.sensitivity == "highly_sensitive"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SENSITIVITY_CHANGED)
    assert event.details == {"from": "sensitive", "to": "highly_sensitive"} and event.actor == tenant_a_admin


def test_raising_sensitivity_in_the_admin_needs_mfa_for_everyone(client, tenant_a_admin, contacts_a):
    # given: a tenant that does not require MFA of its members, and a plain property
    Tenant.objects.filter(pk=tenant_a_admin.tenant_id).update(require_mfa=False)
    definition = PropertyDefinition.objects.get(object_type=contacts_a, name="email")
    client.force_login(tenant_a_admin)

    # when
    response = _change(client, definition, sensitivity="sensitive")

    # then
    assert response.status_code == 200
    assert MFA_NEEDED_FOR_SENSITIVE.split(".")[0] in response.content.decode()
    definition.refresh_from_db()
    assert definition.sensitivity == "none"
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVITY_CHANGED).exists()


def test_a_property_edit_in_the_admin_goes_through_the_service(client, tenant_a_admin, passport):
    client.force_login(tenant_a_admin)

    response = _change(client, passport, label="Passport number", description="As printed")

    assert response.status_code == 302
    passport.refresh_from_db()
    assert passport.label == "Passport number"
    event = AuditEvent.objects.filter(property_names=["passport"]).order_by("-id").first()
    assert event.details["changed"] == ["label", "description"]


def test_the_stage_property_options_are_not_edited_in_the_admin(client, tenant_a_admin):
    stage = PropertyDefinition.objects.get(tenant=tenant_a_admin.tenant, name="dealstage")
    client.force_login(tenant_a_admin)

    response = _change(client, stage, options='[{"value": "x", "label": "X"}]')

    assert response.status_code == 200 and "stages of the pipelines" in response.content.decode()
    stage.refresh_from_db()
    assert "x" not in stage.option_values


def test_an_object_type_edit_in_the_admin_goes_through_the_service(client, tenant_a_admin):
    projects = services.object_type_create(
        actor=tenant_a_admin, name="projects", label_singular="Project", label_plural="Projects"
    )
    client.force_login(tenant_a_admin)

    response = _change(client, projects, label_plural="Ventures", label_singular="Venture")

    assert response.status_code == 302
    projects.refresh_from_db()
    assert projects.label_plural == "Ventures"
    event = AuditEvent.objects.filter(object_type="projects").order_by("-id").first()
    assert event.kind == AuditEvent.Kind.TENANT_SETTINGS_CHANGED
    assert event.details["changed"] == ["label_singular", "label_plural"]


def test_a_pipeline_edit_in_the_admin_goes_through_the_services(client, tenant_a_admin):
    pipeline = Pipeline.objects.get(tenant=tenant_a_admin.tenant, object_type__name="deals")
    stage = pipeline.stages.order_by("position").first()
    client.force_login(tenant_a_admin)
    url = reverse("admin:crm_pipeline_change", args=[pipeline.pk])
    data = admin_form_data(client.get(url), label="Sales pipeline")
    prefix = next(key for key in data if key.endswith("-0-label")).removesuffix("-0-label")
    data[f"{prefix}-0-label"] = "First contact"

    response = client.post(url, data)

    assert response.status_code == 302
    pipeline.refresh_from_db()
    stage.refresh_from_db()
    assert pipeline.label == "Sales pipeline" and stage.label == "First contact"
    deal_stage = PropertyDefinition.objects.get(tenant=tenant_a_admin.tenant, name="dealstage")
    assert {"value": stage.name, "label": "First contact"} in deal_stage.options
    kinds = AuditEvent.objects.filter(object_type="deals").values_list("details__changed", flat=True)
    assert ["label"] in list(kinds)


@pytest.mark.parametrize("_case", ["object_type", "property"])
def test_the_data_model_is_not_deleted_from_the_admin(client, tenant_a_admin, passport, _case):
    projects = services.object_type_create(
        actor=tenant_a_admin, name="projects", label_singular="Project", label_plural="Projects"
    )
    obj = {"object_type": projects, "property": passport}[_case]
    opts = obj._meta
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )

    assert response.status_code in (200, 302)
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_delete_selected_records_go_through_the_service(client, tenant_a_admin, alan, contacts_a):
    other = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Grace"})
    client.force_login(tenant_a_admin)

    response = client.post(
        reverse("admin:crm_record_changelist"),
        {"action": "delete_selected", "_selected_action": [alan.pk, other.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Record.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_DELETED).count() == 2
