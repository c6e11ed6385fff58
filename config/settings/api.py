"""The REST API (crm/api/): DRF, the OpenAPI schema, rate limits and the cache they count in."""

from config.env import env_bool, env_float, env_int, env_str

# Rate-limit counters (crm/api/throttles.py) must be shared by every worker process: Redis in
# production and CI (CACHE_URL, or the broker's Redis), process memory in the embedded default.
_cache_url = env_str("CACHE_URL") or (
    env_str("CELERY_BROKER_URL") if env_str("CELERY_BROKER_URL").startswith("redis") else ""
)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url, "KEY_PREFIX": "crm"}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["crm.api.auth.PrivateAppAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["crm.api.throttles.BurstThrottle", "crm.api.throttles.DailyThrottle"],
    "DEFAULT_PARSER_CLASSES": ["crm.api.parsers.JsonBodyParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": (
        "HubSpot-compatible CRM API (v3 objects, properties, search, batch, schemas; v4 associations). "
        "Authenticate with a private app token: `Authorization: Bearer pat-...`."
    ),
    "VERSION": "3",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# The API's paths (HubSpot's): the API checks its own requests at its door (crm/api/base.py), in
# its own error shape, so core.middleware.ControlCharacterMiddleware leaves them alone.
API_PATH_PREFIXES = ("/crm/v3/", "/crm/v4/", "/crm-object-schemas/v3/", "/webhooks/v3/")
# Request bodies larger than this are refused with a 413 before they are parsed.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 3 * 1024 * 1024)
# Defaults of the per-app limits (a tenant's own settings win): HubSpot's for its top tier.
API_BURST_PER_10_SECONDS = env_int("API_BURST_PER_10_SECONDS", 190)
API_SEARCH_PER_SECOND = env_int("API_SEARCH_PER_SECOND", 5)
API_DAILY = env_int("API_DAILY", 1_000_000)

# Webhooks (apps' subscriptions and workflows' webhook actions), core/outbound.py: each call gives up
# after this many seconds; private and loopback addresses, and plain http, only when allowed here.
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
# App webhooks (webhooks/): attempts per delivery before it is failed, and the exponential backoff
# between them (base * 2^(n-1) seconds, capped): 10 attempts over about 25 hours, as HubSpot retries over a day.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 180.0)
WEBHOOK_RETRY_MAX_SECONDS = env_float("WEBHOOK_RETRY_MAX_SECONDS", 12 * 3600.0)
