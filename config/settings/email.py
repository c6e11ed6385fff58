"""Outgoing email (invitations): Django's email backend, set from the environment.

Embedded default: the console backend prints each email to the server's terminal. Production:
EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD or EMAIL_HOST_PASSWORD_FILE,
EMAIL_USE_TLS or EMAIL_USE_SSL) switches to SMTP; EMAIL_BACKEND names any other backend.
https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend
"""

from config.env import env_bool, env_int, env_secret, env_str

EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587 if env_bool("EMAIL_USE_TLS") else 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sensitive CRM <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Links in emails are built from this, never from a request's Host header (which a client chooses).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a sign-up link works; it works once.
INVITATION_HOURS = env_int("INVITATION_HOURS", 72)
