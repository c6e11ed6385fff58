"""Datetime properties are stored in UTC and shown and typed in the user's own time zone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from crm import services
from crm.models import PropertyDefinition, Record
from crm.records import services as record_services
from sensitive import selectors as sensitive_selectors
from tests.sensitive.conftest import _fresh_key_cache  # noqa: F401

STORED = "2026-03-01T08:30:00+00:00"  # 09:30 in Berlin (CET, UTC+1)
INDEX = reverse("record_index", args=["contacts"])


@pytest.fixture
def berlin_admin(tenant_a_admin):
    tenant_a_admin.time_zone = "Europe/Berlin"
    tenant_a_admin.save(update_fields=["time_zone"])
    return tenant_a_admin


@pytest.fixture
def meeting(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return services.property_definition_create(
        actor=tenant_a_admin, object_type=contacts_a, name="meeting_at", label="Meeting at", data_type="datetime"
    )


@pytest.fixture
def follow_up(tenant_a_admin, contacts_a) -> PropertyDefinition:
    return services.property_definition_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        name="follow_up_at",
        label="Follow up at",
        data_type="datetime",
        sensitivity=PropertyDefinition.Sensitivity.SENSITIVE,
    )


@pytest.fixture
def grace(tenant_a_admin, contacts_a, meeting, follow_up) -> Record:
    return record_services.record_create(
        actor=tenant_a_admin,
        object_type=contacts_a,
        values={"firstname": "Grace", "meeting_at": STORED, "follow_up_at": STORED},
    )


def datetime_input(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


def edit(client, record, **values):
    data = {"p__firstname": "Grace", "owner": record.owner_id, **values}
    return client.post(reverse("record_update", args=["contacts", record.pk]), data)


def test_the_index_shows_datetimes_in_the_users_zone(client, berlin_admin, grace):
    client.force_login(berlin_admin)

    page = client.get(INDEX, {"columns": "firstname,meeting_at,follow_up_at"}).content.decode()

    assert page.count("2026-03-01 09:30 (Europe/Berlin)") == 2  # the plain and the sensitive column
    assert "08:30" not in page


def test_a_utc_user_still_sees_utc(client, tenant_a_admin, grace):
    client.force_login(tenant_a_admin)

    page = client.get(INDEX, {"columns": "firstname,meeting_at,follow_up_at"}).content.decode()
    form = client.get(reverse("record_update", args=["contacts", grace.pk])).content.decode()

    assert page.count("2026-03-01 08:30 (UTC)") == 2
    assert 'value="2026-03-01T08:30"' in datetime_input(form, "p__meeting_at")


def test_the_record_page_shows_datetimes_in_the_users_zone(client, berlin_admin, grace):
    client.force_login(berlin_admin)

    page = client.get(reverse("record_detail", args=["contacts", grace.pk])).content.decode()

    assert page.count("2026-03-01 09:30 (Europe/Berlin)") == 2


def test_the_record_pages_created_time_is_in_the_users_zone(client, berlin_admin, grace):
    Record.objects.filter(pk=grace.pk).update(created_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC))
    client.force_login(berlin_admin)

    page = client.get(reverse("record_detail", args=["contacts", grace.pk])).content.decode()

    assert "Created 2026-03-02 00:30" in page


def test_the_form_shows_the_stored_value_in_the_users_zone(client, berlin_admin, grace):
    client.force_login(berlin_admin)

    page = client.get(reverse("record_update", args=["contacts", grace.pk])).content.decode()

    assert 'value="2026-03-01T09:30"' in datetime_input(page, "p__meeting_at")
    assert 'value="2026-03-01T09:30"' in datetime_input(page, "sensitive__follow_up_at")


def test_a_typed_time_is_read_in_the_users_zone_and_stored_in_utc(client, berlin_admin, grace):
    client.force_login(berlin_admin)

    response = edit(
        client, grace, p__meeting_at="2026-07-01T10:00", sensitive__follow_up_at="2026-07-01T10:00"
    )  # summer time: UTC+2

    assert response.status_code == 302, response.content.decode()[:3000]
    grace.refresh_from_db()
    assert grace.properties["meeting_at"] == "2026-07-01T08:00:00+00:00"
    stored = sensitive_selectors.values_read(actor=berlin_admin, records=[grace])[grace.pk]["follow_up_at"]
    assert stored.value == "2026-07-01T08:00:00+00:00"


def test_an_unchanged_time_round_trips_to_the_stored_value(client, berlin_admin, grace):
    client.force_login(berlin_admin)

    edit(client, grace, p__meeting_at="2026-03-01T09:30", sensitive__follow_up_at="2026-03-01T09:30")

    grace.refresh_from_db()
    assert grace.properties["meeting_at"] == STORED


def test_a_utc_user_types_utc(client, tenant_a_admin, grace):
    client.force_login(tenant_a_admin)

    edit(client, grace, p__meeting_at="2026-07-01T10:00", sensitive__follow_up_at="2026-03-01T08:30")

    grace.refresh_from_db()
    assert grace.properties["meeting_at"] == "2026-07-01T10:00:00+00:00"
