"""Each user's own time zone: set on the preferences page or by a super admin, activated per request."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

PREFERENCES = reverse("preferences")


def test_a_new_user_is_in_utc(member_a):
    assert member_a.time_zone == "UTC"


def test_the_header_links_to_the_preferences_page(client, member_a):
    client.force_login(member_a)

    page = client.get(reverse("home")).content.decode()

    assert f'href="{PREFERENCES}"' in page


def test_the_preferences_page_saves_a_valid_zone(client, member_a):
    client.force_login(member_a)
    page = client.get(PREFERENCES).content.decode()
    assert '<option value="Europe/Berlin">' in page and 'name="csrfmiddlewaretoken"' in page

    response = client.post(PREFERENCES, {"time_zone": "Europe/Berlin"})

    assert response.status_code == 302 and response["Location"] == PREFERENCES
    assert User.objects.get(pk=member_a.pk).time_zone == "Europe/Berlin"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "localtime", "../../etc/passwd"])
def test_the_preferences_page_refuses_an_invalid_zone(client, member_a, name):
    client.force_login(member_a)

    response = client.post(PREFERENCES, {"time_zone": name})

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert User.objects.get(pk=member_a.pk).time_zone == "UTC"


def test_the_model_refuses_an_unknown_zone(member_a):
    member_a.time_zone = "Europe/Atlantis"

    with pytest.raises(ValidationError) as raised:
        member_a.full_clean()

    assert "time_zone" in raised.value.message_dict


def test_a_super_admin_sets_a_users_zone_in_the_admin(client, tenant_a_admin, member_a):
    client.force_login(tenant_a_admin)
    url = reverse("admin:accounts_user_change", args=[member_a.pk])
    assert '<option value="America/New_York">' in client.get(url).content.decode()
    data = {
        "email": member_a.email,
        "first_name": "Max",
        "last_name": "Member",
        "role": "member",
        "is_active": "on",
        "record_scopes-TOTAL_FORMS": "0",
        "record_scopes-INITIAL_FORMS": "0",
    }

    refused = client.post(url, {**data, "time_zone": "Nowhere/Special"})
    saved = client.post(url, {**data, "time_zone": "America/New_York"})

    assert refused.status_code == 200
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert User.objects.get(pk=member_a.pk).time_zone == "America/New_York"


def test_the_zone_is_active_during_the_request_only(client, member_a, monkeypatch):
    member_a.time_zone = "Asia/Tokyo"
    member_a.save(update_fields=["time_zone"])
    client.force_login(member_a)
    seen = []

    def render_noting_the_zone(request, template, context=None, **kwargs):
        seen.append(timezone.get_current_timezone_name())
        return render(request, template, context, **kwargs)

    monkeypatch.setattr("accounts.views.profile.render", render_noting_the_zone)

    client.get(PREFERENCES)

    assert seen == ["Asia/Tokyo"]
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_zone_the_tz_database_no_longer_knows_falls_back_to_utc(client, member_a):
    User.objects.filter(pk=member_a.pk).update(time_zone="Gone/Away")
    client.force_login(member_a)

    assert client.get(PREFERENCES).status_code == 200
