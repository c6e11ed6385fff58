"""Sign-in security: password hashing, MFA (django-otp), lockout (django-axes), sessions."""

import datetime as dt

from config.env import env_bool, env_int, env_list

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies older hashes, upgraded on sign-in
]

# Lockout after repeated failures of the password or of the second factor, per user and per IP.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Per user and per IP for the password step; per user only for a signed-in user's wrong password or
# code (sudo, second factor), so colleagues behind one office address cannot lock each other out.
AXES_LOCKOUT_PARAMETERS = "accounts.security.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# What was typed as the email is stored only if it is a user's (else a keyed hash): it may be a password.
AXES_USERNAME_CALLABLE = "accounts.security.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in.locked_out"
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
AXES_SENSITIVE_PARAMETERS = ["username", "password", "code", "otp_token"]

# Behind reverse proxies (DJANGO_BEHIND_PROXY), how many of them append to X-Forwarded-For: the client is
# the Nth entry from the right. What lies left of it was sent by the client and is not believed.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1) if env_bool("DJANGO_BEHIND_PROXY") else 0

OTP_TOTP_ISSUER = "Sensitive CRM"
OTP_TOTP_THROTTLE_FACTOR = 1

# The longest any session lives; each tenant's own (shorter) limits are applied by our middleware.
SESSION_COOKIE_AGE = 24 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Passkeys: a second factor only (never passwordless: the password step and its lockout stay).
OTP_WEBAUTHN_RP_NAME = "Sensitive CRM"
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("OTP_WEBAUTHN_ALLOWED_ORIGINS", ["http://localhost:8000"])
