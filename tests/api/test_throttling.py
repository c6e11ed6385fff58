"""Rate limits per private app, as HubSpot's: a burst window of 10 seconds, a daily limit and a
per-second limit on search, each answered with HubSpot's 429 body and headers, configurable per
tenant and counted in Django's cache (Redis when configured, so every worker shares the count).

The tenant gets small limits so that a test needs only a few requests. Windows are fixed (10 s,
1 s, a UTC day): a test starts at the beginning of one so that its requests all fall in it."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from accounts import private_apps
from accounts.models import Tenant
from tests.api.conftest import READ_CONTACTS, ApiClient
from tests.api.routes import require_landed

pytestmark = pytest.mark.django_db


def limits(tenant: Tenant, **values) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(**values)


def window_ahead(seconds: int, margin: float) -> None:
    """Wait, if need be, until at least `margin` seconds of the current window are left."""
    left = seconds - time.time() % seconds
    if left < margin:
        time.sleep(left + 0.05)


def assert_rate_limited(response, policy: str) -> dict:
    assert response.status_code == 429, response.content[:300]
    body = json.loads(response.content)
    assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT" and body["correlationId"]
    assert body["policyName"] == policy
    assert body["message"] == f"You have reached your {policy.lower()} limit."
    assert int(response["Retry-After"]) >= 1
    return body


@pytest.fixture
def contact_url(alan) -> str:
    return f"/crm/v3/objects/contacts/{alan.number}"


def test_the_burst_limit_answers_429_with_hubspots_body_and_headers(tenant_a, api_for, contact_url):
    # given a tenant whose apps may make 3 requests in any 10 seconds
    limits(tenant_a, api_burst_per_10_seconds=3)
    api = api_for(READ_CONTACTS)
    window_ahead(10, margin=3)

    # when an app makes 4
    answers = [api.get(contact_url) for _ in range(4)]

    # then 3 pass, counting down, and the 4th is HubSpot's 429
    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert [answer["X-HubSpot-RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]
    refused = answers[3]
    assert_rate_limited(refused, "TEN_SECONDLY_ROLLING")
    assert refused["X-HubSpot-RateLimit-Max"] == "3"
    assert refused["X-HubSpot-RateLimit-Remaining"] == "0"
    assert refused["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert refused["X-HubSpot-RateLimit-Daily"] == str(settings.API_DAILY)
    assert int(refused["X-HubSpot-RateLimit-Daily-Remaining"]) == settings.API_DAILY - 3
    assert 1 <= int(refused["Retry-After"]) <= 10


def test_the_burst_window_opens_again_after_10_seconds(tenant_a, api_for, contact_url):
    limits(tenant_a, api_burst_per_10_seconds=1)
    api = api_for(READ_CONTACTS)
    window_ahead(10, margin=3)
    assert api.get(contact_url).status_code == 200
    refused = api.get(contact_url)
    assert refused.status_code == 429
    time.sleep(int(refused["Retry-After"]) + 0.1)
    assert api.get(contact_url).status_code == 200


def test_the_daily_limit_answers_429_with_its_policy_and_headers(tenant_a, api_for, contact_url):
    limits(tenant_a, api_daily=2)
    api = api_for(READ_CONTACTS)
    assert [api.get(contact_url).status_code for _ in range(2)] == [200, 200]
    refused = api.get(contact_url)
    assert_rate_limited(refused, "DAILY")
    assert refused["X-HubSpot-RateLimit-Daily"] == "2"
    assert refused["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert int(refused["Retry-After"]) <= 86_400  # the next UTC day


def test_the_limit_is_per_app_another_app_of_the_tenant_is_not_throttled(tenant_a, api_for, contact_url):
    limits(tenant_a, api_burst_per_10_seconds=2)
    busy, quiet = api_for(READ_CONTACTS), api_for(READ_CONTACTS)
    window_ahead(10, margin=3)
    assert [busy.get(contact_url).status_code for _ in range(3)] == [200, 200, 429]
    answer = quiet.get(contact_url)
    assert answer.status_code == 200 and answer["X-HubSpot-RateLimit-Remaining"] == "1"


def test_limits_are_the_tenants_own(tenant_a, api_for, contact_url, tenant_b_user, contacts_b):
    # given Acme with a small limit, and Globex with none set (the defaults, HubSpot's)
    limits(tenant_a, api_burst_per_10_seconds=2, api_daily=500)
    _, token = private_apps.private_app_create(
        actor=tenant_b_user, tenant=tenant_b_user.tenant, name="Globex sync", scopes=READ_CONTACTS
    )

    # then each app's headers show its tenant's limits
    acme = api_for(READ_CONTACTS).get(contact_url)
    globex = ApiClient(token).get("/crm/v3/objects/contacts/1")
    assert (acme["X-HubSpot-RateLimit-Max"], acme["X-HubSpot-RateLimit-Daily"]) == ("2", "500")
    assert globex["X-HubSpot-RateLimit-Max"] == str(settings.API_BURST_PER_10_SECONDS) == "190"
    assert globex["X-HubSpot-RateLimit-Daily"] == str(settings.API_DAILY)


def test_the_defaults_come_from_the_settings(settings, api_for, contact_url):
    settings.API_BURST_PER_10_SECONDS = 1
    api = api_for(READ_CONTACTS)
    window_ahead(10, margin=3)
    assert api.get(contact_url)["X-HubSpot-RateLimit-Max"] == "1"
    assert_rate_limited(api.get(contact_url), "TEN_SECONDLY_ROLLING")


def test_the_count_is_kept_in_djangos_cache_where_every_worker_reads_it(make_app, contact_url):
    # given an app that made 2 requests
    app, token = make_app(READ_CONTACTS)
    window_ahead(10, margin=3)
    for _ in range(2):
        ApiClient(token).get(contact_url)

    # then its count is in the cache, not in this process's memory
    key = f"api-throttle:burst:{app.pk}:{int(time.time() // 10)}"
    assert cache.get(key) == 2
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        import redis

        server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
        assert server.get(cache.make_key(key)) == b"2"  # another process would read the same count


def test_a_redis_broker_means_a_redis_cache_for_the_counters():
    broker = settings.CELERY_BROKER_URL or ""
    if not broker.startswith("redis"):
        pytest.skip("no Redis configured: the embedded default counts in process memory")
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


SEARCH = "/crm/v3/objects/contacts/search"


def test_search_has_its_own_limit_per_second(tenant_a, api_for, contact_url, alan):
    require_landed("post", SEARCH)
    # given a tenant whose apps may search twice a second
    limits(tenant_a, api_search_per_second=2)
    api = api_for(READ_CONTACTS)
    body = {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Alan"}]}]}
    window_ahead(1, margin=0.7)

    # when it searches 3 times within the second
    answers = [api.post(SEARCH, body) for _ in range(3)]

    # then the 3rd is HubSpot's SECONDLY 429, with the per-second headers
    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert answers[0]["X-HubSpot-RateLimit-Secondly"] == "2"
    assert answers[0]["X-HubSpot-RateLimit-Secondly-Remaining"] == "1"
    refused = answers[2]
    assert_rate_limited(refused, "SECONDLY")
    assert refused["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"

    # and other calls are not held to the search limit
    assert api.get(contact_url).status_code == 200
    time.sleep(1.05)
    assert api.post(SEARCH, body).status_code == 200
