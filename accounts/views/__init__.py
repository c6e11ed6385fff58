"""The staff UI of sign-in security, by concern; the URL names stay those of accounts/urls.py."""

from accounts.views.mfa import (
    mfa_backup_codes,
    mfa_backup_codes_create,
    mfa_device_remove,
    mfa_devices,
    mfa_enrol,
    mfa_verify,
)
from accounts.views.profile import preferences
from accounts.views.security import keepalive, security_health, security_settings
from accounts.views.sign_in import SignInView, SignOutView, locked_out
from accounts.views.sudo import sudo_confirm

__all__ = [
    "SignInView",
    "SignOutView",
    "keepalive",
    "locked_out",
    "mfa_backup_codes",
    "mfa_backup_codes_create",
    "mfa_device_remove",
    "mfa_devices",
    "mfa_enrol",
    "mfa_verify",
    "preferences",
    "security_health",
    "security_settings",
    "sudo_confirm",
]
