"""The admin's record form: what an error report of its posts holds, and saves that the keys refuse."""

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.log import AdminEmailHandler
from django.views.debug import ExceptionReporter

from crm.models import PropertyDefinition, Record
from sensitive import keys, selectors
from sensitive import services as sensitive_services
from tests.conftest import VerifiedClient

SALARY = "4242917"


@pytest.fixture
def error_reports(settings):
    """Error reports as Django mails them to ADMINS, text and HTML: the request's POST and every frame's
    variables. (Django's default logging mails the text one; this adds the HTML one.)"""
    settings.ADMINS = [("Ops", "ops@platform.test")]
    handler = AdminEmailHandler(include_html=True)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield mail.outbox
    logger.removeHandler(handler)


def _change_url(record: Record) -> str:
    return reverse("admin:crm_record_change", args=[record.pk])


def test_an_error_report_of_a_record_admin_post_holds_no_sensitive_value(
    tenant_a_admin, rosalind, error_reports, monkeypatch
):
    # given: saving a sensitive value fails unexpectedly, deep inside the save
    def broken_write(**kwargs):
        raise RuntimeError("the storage broke")

    monkeypatch.setattr(sensitive_services, "values_write", broken_write)
    client: Client = VerifiedClient(raise_request_exception=False)
    client.force_login(tenant_a_admin)

    # when
    response = client.post(
        _change_url(rosalind),
        {
            "owner": tenant_a_admin.pk,
            "properties": '{"firstname": "Rosalind"}',
            "sensitive__annual_salary": SALARY,
            "sensitive__diagnosis": "diabetes",
        },
    )

    # then: a 500 whose report shows that the fields were posted, not what they held
    assert response.status_code == 500
    bodies = [report.body for report in error_reports] + [
        content for report in error_reports for content, _ in report.alternatives
    ]
    assert len(bodies) == 3  # Django's text report, and this test's text and HTML one
    assert "sensitive__annual_salary" in bodies[0] and "the storage broke" in bodies[0]
    for body in bodies:
        assert SALARY not in body
        assert "diabetes" not in body


def test_the_exception_reporter_filter_hides_every_sensitive_field_of_a_post(rf):
    request = rf.post("/admin/crm/record/x/change/", {"sensitive__anything": SALARY, "clear__sensitive__x": "on"})

    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        report = ExceptionReporter(request, type(exc), exc, exc.__traceback__).get_traceback_text()

    assert "sensitive__anything" in report and SALARY not in report


def test_a_record_admin_save_after_the_keys_were_shredded_is_a_form_error(client, tenant_a_admin, rosalind):
    # given
    call_command("shred_tenant", "Acme", "--confirm")
    client.force_login(tenant_a_admin)

    # when
    response = client.post(
        _change_url(rosalind),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Rosalind L."}', "sensitive__annual_salary": "1"},
    )

    # then: the form again, saying why; nothing saved
    assert response.status_code == 200
    assert "keys were destroyed" in response.content.decode()
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"


def test_a_record_admin_save_without_the_master_key_is_a_form_error_naming_no_key_location(
    client, tenant_a_admin, rosalind, settings, tmp_path, caplog
):
    # given
    client.force_login(tenant_a_admin)
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{tmp_path}/missing-master.json"
    keys.forget_cached_keys()

    # when
    response = client.post(
        _change_url(rosalind),
        {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Rosalind L."}', "sensitive__annual_salary": "5"},
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "the encryption keys are unavailable" in page and "missing-master.json" not in page
    rosalind.refresh_from_db()
    assert rosalind.properties["firstname"] == "Rosalind"


def test_a_record_admin_save_that_a_service_refuses_is_a_form_error(client, tenant_a_admin, rosalind):
    # given: a value the form accepts but the record's rules refuse (the last name became required)
    PropertyDefinition.objects.filter(object_type=rosalind.object_type, name="lastname").update(required=True)
    client.force_login(tenant_a_admin)

    # when: the required value is removed
    response = client.post(
        _change_url(rosalind), {"owner": tenant_a_admin.pk, "properties": '{"firstname": "Rosalind", "lastname": ""}'}
    )

    # then
    assert response.status_code == 200
    assert "a value is required" in response.content.decode()
    assert selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]["annual_salary"].value == 91_250
