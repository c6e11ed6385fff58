"""Second factors: TOTP authenticator apps (django-otp) and one-time backup codes (stored salted and keyed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from accounts.models import BackupCode, User
from audit import services as audit_services
from audit.models import AuditEvent

BACKUP_CODE_COUNT = 10
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper
ENROLMENT_MINUTES = 10  # an authenticator app not confirmed by then is removed
BACKUP_HASH_SCHEME = "hmac1"
BACKUP_HASH_KEY_SALT = "accounts.mfa.backup_code"


def _normalised(code: str) -> str:
    return code.replace("-", "").replace(" ", "").strip().lower()


def _backup_digest(salt: str, code: str, secret: str | None = None) -> str:
    # An HMAC over the old scheme's SHA-256, so that migration 0005 could re-wrap stored codes in place.
    inner = hashlib.sha256(_normalised(code).encode()).hexdigest()
    return salted_hmac(BACKUP_HASH_KEY_SALT, f"{salt}${inner}", secret=secret, algorithm="sha256").hexdigest()


def backup_code_hash(code: str) -> str:
    """A salted HMAC keyed by the SECRET_KEY: a copy of the table alone cannot be searched for 50-bit codes.

    Rotating the SECRET_KEY keeps codes working while the old key is in SECRET_KEY_FALLBACKS.
    """
    salt = secrets.token_hex(8)
    return f"{BACKUP_HASH_SCHEME}${salt}${_backup_digest(salt, code)}"


def _backup_code_matches(stored: str, code: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    if scheme != BACKUP_HASH_SCHEME or not digest:
        return False  # not a hash we make: never matches
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(constant_time_compare(_backup_digest(salt, code, secret), digest) for secret in keys)


@dataclass
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, for typing into an app by hand
    uri: str  # otpauth://..., for the QR code
    qr_svg: str


@transaction.atomic
def totp_enrolment_start(*, user: User) -> Enrolment:
    """A new unconfirmed TOTP device; it becomes active only once a first code from it is verified.

    An earlier, unfinished enrolment of the user is removed: its key may have been seen by someone.
    """
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return enrolment_of(device)


def totp_enrolments_expire() -> int:
    """Remove every enrolment left unconfirmed past the time limit; the number removed."""
    cutoff = timezone.now() - dt.timedelta(minutes=ENROLMENT_MINUTES)
    removed, _ = TOTPDevice.objects.filter(confirmed=False, created_at__lt=cutoff).delete()
    return removed


def totp_enrolment_abandon(*, user: User, device_id) -> None:
    TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).delete()


def enrolment_of(device: TOTPDevice) -> Enrolment:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return Enrolment(device, b32encode(device.bin_key).decode().rstrip("="), device.config_url, svg)


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, code: str) -> TOTPDevice:
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": "This enrolment is no longer open; start again."})
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError({"code": "That code is not right. Check the time on your phone and try the next code."})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_services.event_record(kind=AuditEvent.Kind.MFA_ENROLLED, actor=user, details={"device": device.name})
    return device


@transaction.atomic
def backup_codes_create(*, user: User) -> list[str]:
    """New backup codes, replacing the old ones; returned once, stored only as hashes."""
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    user.backup_codes.all().delete()
    BackupCode.objects.bulk_create(BackupCode(user=user, code_hash=backup_code_hash(code)) for code in codes)
    audit_services.event_record(kind=AuditEvent.Kind.BACKUP_CODES_CREATED, actor=user)
    return codes


def backup_code_use(*, user: User, code: str) -> bool:
    """True once per code: a used code is spent (the update is atomic, so two tabs cannot both use it)."""
    unused = BackupCode.objects.filter(user=user, used_at__isnull=True).values_list("pk", "code_hash")
    match = next((pk for pk, stored in unused if _backup_code_matches(stored, code)), None)
    if match is None:
        return False
    return bool(BackupCode.objects.filter(pk=match, used_at__isnull=True).update(used_at=timezone.now()))


def code_verify(*, user: User, code: str):
    """The device that accepts `code` (TOTP, replay-protected and throttled), "backup", or None."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    if len(code.replace("-", "")) == 10 and backup_code_use(user=user, code=code):
        return "backup"
    return None


def devices_list(*, user: User) -> list:
    return list(devices_for_user(user, confirmed=True))


@transaction.atomic
def device_remove(*, user: User, device_id: str) -> None:
    device = next((d for d in devices_for_user(user, confirmed=None) if d.persistent_id == device_id), None)
    if device is None:
        raise ValidationError({"device": "No such device."})
    device.delete()
    audit_services.event_record(kind=AuditEvent.Kind.MFA_REMOVED, actor=user, details={"device": device.name})


@transaction.atomic
def mfa_reset(*, actor: User, user: User) -> None:
    """A super admin clears another user's devices and codes; they enrol again at their next sign-in."""
    if not actor.is_super_admin or user.tenant_id != actor.tenant_id:
        raise PermissionDenied("Only a super admin of this organisation can reset a user's MFA.")
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    user.backup_codes.all().delete()
    # A session that passed with the old factors (perhaps a thief's, the reason for the reset) ends too.
    account_services.user_sessions_end(user=user)
    audit_services.event_record(kind=AuditEvent.Kind.MFA_RESET, actor=actor, details={"user": user.email})
