"""Django settings, read from the environment; with nothing set, the embedded default.

Embedded default: SQLite in var/, tasks in-process, a local master key file, secrets in
0600 files under var/. Production: DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY (or
SECRET_KEY_FILE), SENSITIVE_MASTER_KEY_URI, DJANGO_ALLOWED_HOSTS, SITE_URL and EMAIL_HOST
(config/settings/email.py).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import BASE_DIR, env_bool, env_float, env_int, env_list, env_secret, env_str, local_secret_file

VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_secret("SECRET_KEY") or local_secret_file(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "accounts.apps.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "axes",
    "csp",
    "core",
    "accounts",
    "crm",
    "sensitive",
    "audit",
    "workflows",
    "webhooks",
    "reports",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # outermost but one: every response gets the policy, error pages too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ControlCharacterMiddleware",  # before anything reads the request
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreMiddleware",
    "accounts.middleware.TimeZoneMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before the session checks, so that their events (a time-out) carry the IP and surface too.
    "audit.context.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
                "accounts.context_processors.session_security",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while seed_demo writes; a busy timeout instead of "database is locked".
    # IMMEDIATE: a transaction takes the write lock when it begins, waiting up to the timeout for it.
    # A deferred one (SQLite's default) that read first and then writes, as every audited page does,
    # cannot wait: SQLite fails its upgrade to a writer at once with SQLITE_BUSY, whatever the timeout.
    # https://www.sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif random_page_cost := env_float("DATABASE_RANDOM_PAGE_COST", 1.1):
    # PostgreSQL's default (4) prices a random read as a disk seek. Our reads are index lookups of a
    # batch of records in a table that fits in memory or sits on SSD; at 4, the planner chose a scan
    # of every sensitive value (100 ms) over 1,000 index lookups (5 ms) for tables of a few hundred
    # thousand values. Set DATABASE_RANDOM_PAGE_COST=0 to keep the server's setting (e.g. behind
    # a pooler that refuses startup options).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c random_page_cost={random_page_cost}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users before checking anything
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# guardian: no anonymous user row; grants are only ever given to real users and teams.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the app folders directly, so the embedded default needs no collectstatic.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
# Off unless said: both bind every subdomain to HTTPS (preload for years, in browsers' built-in list).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR") or VAR_DIR / "audit-archive")
# A process seals a chain after a commit at most this often (audit/sealing.py); the beat sweep seals the rest.
AUDIT_SEAL_INTERVAL_SECONDS = env_float("AUDIT_SEAL_INTERVAL_SECONDS", 1.0)
X_FRAME_OPTIONS = "DENY"

# Error reports (mailed to ADMINS, or shown by any handler using Django's reporter) hide every
# sensitive__* field of a POST: those names are dynamic, so the views can't list them in advance.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.debug.SensitiveFieldsExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_without_traceback": {"()": "core.log.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors_without_traceback"]},
    },
}

from config.settings.api import *  # noqa: E402,F403
from config.settings.celery import *  # noqa: E402,F403
from config.settings.csp import *  # noqa: E402,F403
from config.settings.email import *  # noqa: E402,F403
from config.settings.reports import *  # noqa: E402,F403
from config.settings.security import *  # noqa: E402,F403
from config.settings.sensitive import *  # noqa: E402,F403
