"""Sign-in security: password hashing, MFA (django-otp), lockout (django-axes), sessions."""

import datetime as dt

from config.env import env_int, env_list

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies older hashes, upgraded on sign-in
]

# Lockout after repeated failures of the password or of the second factor, per user and per IP.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "code", "otp_token"]

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
