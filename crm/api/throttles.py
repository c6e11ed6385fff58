"""Rate limits per private app, as HubSpot's: a burst window of 10 seconds, a daily limit, and a
per-second limit on search. Limits come from the tenant (empty: settings.API_*).

Counters are fixed windows in Django's cache (Redis in production, so all workers share them):
one atomic INCR per window and request, one round trip on Redis. DRF's SimpleRateThrottle keeps a list of timestamps per
client, read and written back without a lock, and knows no 10-second window.

Each response carries HubSpot's headers (X-HubSpot-RateLimit-Max, -Remaining, -Interval-Milliseconds,
-Daily, -Daily-Remaining; -Secondly and -Secondly-Remaining on search), and a 429 its body:
{"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
 "errorType": "RATE_LIMIT", "correlationId": "...", "policyName": "TEN_SECONDLY_ROLLING"}.
"""

from __future__ import annotations

import math
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import exceptions, throttling


def _count_up(key: str, *, timeout: int) -> int:
    """The window's count after this request: on Redis one round trip (SET NX EX and INCR in one
    MULTI, so the key never lives without its expiry); elsewhere the cache's add and incr."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        redis_key = cache.make_and_validate_key(key)
        pipeline = cache._cache.get_client(redis_key, write=True).pipeline()
        pipeline.set(redis_key, 0, ex=timeout, nx=True)
        pipeline.incr(redis_key)
        return pipeline.execute()[1]
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


class _WindowThrottle(throttling.BaseThrottle):
    window_seconds = 10
    name = "burst"
    policy = "TEN_SECONDLY_ROLLING"
    headers: dict[str, str] = {}

    def limit_of(self, tenant) -> int:
        raise NotImplementedError

    def header_names(self) -> tuple[str, str]:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        return self._count(request, increment=True)

    def peek(self, request) -> None:
        """The headers without counting: for a request another limit refused."""
        self._count(request, increment=False)

    def _count(self, request, *, increment: bool) -> bool:
        app = request.auth
        if app is None:
            return True
        limit = self.limit_of(app.tenant)
        now = time.time()
        window = int(now // self.window_seconds)
        key = f"api-throttle:{self.name}:{app.pk}:{window}"
        if increment:
            count = _count_up(key, timeout=self.window_seconds + 1)
        else:
            count = caches["default"].get(key) or 0
        self.wait_seconds = (window + 1) * self.window_seconds - now
        limit_header, remaining_header = self.header_names()
        extra = {limit_header: str(limit), remaining_header: str(max(0, limit - count))}
        if self.name == "burst":
            extra["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(self.window_seconds * 1000)
        request.rate_limit_headers = {**getattr(request, "rate_limit_headers", {}), **extra}
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


class BurstThrottle(_WindowThrottle):
    window_seconds, name, policy = 10, "burst", "TEN_SECONDLY_ROLLING"

    def limit_of(self, tenant) -> int:
        return tenant.api_burst_per_10_seconds or settings.API_BURST_PER_10_SECONDS

    def header_names(self):
        return "X-HubSpot-RateLimit-Max", "X-HubSpot-RateLimit-Remaining"


class DailyThrottle(_WindowThrottle):
    window_seconds, name, policy = 86_400, "daily", "DAILY"

    def limit_of(self, tenant) -> int:
        return tenant.api_daily or settings.API_DAILY

    def header_names(self):
        return "X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining"


class SearchThrottle(_WindowThrottle):
    window_seconds, name, policy = 1, "search", "SECONDLY"

    def limit_of(self, tenant) -> int:
        return tenant.api_search_per_second or settings.API_SEARCH_PER_SECOND

    def header_names(self):
        return "X-HubSpot-RateLimit-Secondly", "X-HubSpot-RateLimit-Secondly-Remaining"


def throttled(throttle: _WindowThrottle, request) -> exceptions.Throttled:
    """The 429 with HubSpot's body and a Retry-After."""
    wait = throttle.wait() or 1
    exc = exceptions.Throttled(wait=wait)
    exc.hubspot_body = {
        "status": "error",
        "message": f"You have reached your {throttle.policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": throttle.policy,
    }
    exc.hubspot_headers = {**getattr(request, "rate_limit_headers", {}), "Retry-After": str(max(1, math.ceil(wait)))}
    return exc
