"""Test settings: the same as base, with a fast password hasher."""

from config.django.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A master key of the test run's own, created on first use like the embedded default's.
import os  # noqa: E402
import tempfile  # noqa: E402

SENSITIVE_MASTER_KEY_URI = os.environ.get("TEST_SENSITIVE_MASTER_KEY_URI") or (
    f"file://{tempfile.mkdtemp(prefix='crm-test-keys-')}/master-key.json"
)
os.environ["TEST_SENSITIVE_MASTER_KEY_URI"] = SENSITIVE_MASTER_KEY_URI  # Celery workers started by tests share it
SENSITIVE_KEY_PROPAGATION_SECONDS = 0
CELERY_TASK_ALWAYS_EAGER = True
AUDIT_SEAL_INTERVAL_SECONDS = 0  # every commit seals, so tests see sealed events at once (one test sets it)
# Tests' webhook receivers listen on 127.0.0.1 over plain http.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
WEBHOOK_ALLOW_HTTP = True
