from __future__ import annotations

import uuid
import zoneinfo
from functools import cache

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.models import BaseModel, TenantScopedModel
from core.numbers import numbers_next

# In the tz database but not places: "localtime" is whatever the server's clock is set to.
_NOT_TIME_ZONES = {"localtime", "Factory", "posixrules"}


@cache
def time_zone_names() -> list[str]:
    """The IANA names a user may pick, UTC first, then sorted."""
    names = zoneinfo.available_timezones() - _NOT_TIME_ZONES - {"UTC"}
    return ["UTC", *sorted(names)]


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError("%(value)s is not a time zone; pick one such as Europe/Berlin.", params={"value": value})


class Tenant(BaseModel):
    """One customer account; every row of tenant data points here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    require_mfa = models.BooleanField(
        default=True,
        help_text="Every user signs in with a second factor. Always on for super admins and for anyone with "
        "a grant on a sensitive property; required before any property can be marked sensitive.",
    )
    session_idle_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(15), MaxValueValidator(720)],
        help_text="Sign out after this many minutes without activity (15 minutes to 12 hours).",
    )
    session_max_hours = models.PositiveIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Sign out this many hours after signing in, whatever the activity.",
    )
    sudo_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Dangerous actions (reveal, export, grants) ask for the password or a code again after this long.",
    )
    # REST API rate limits per private app; empty: HubSpot's published limits for its top tier.
    api_burst_per_10_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests per app in any 10 seconds (empty: 190, as HubSpot)."
    )
    api_search_per_second = models.PositiveIntegerField(
        null=True, blank=True, help_text="Search requests per app per second (empty: 5, as HubSpot)."
    )
    api_daily = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests per app per day (empty: 1,000,000, as HubSpot)."
    )
    audit_retention_days = models.PositiveIntegerField(
        default=7 * 365 + 2,
        validators=[MinValueValidator(365)],
        help_text="Audit events older than this are archived to a compressed file (never silently deleted).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def people(self):
        """Users who are people: private apps' own users left out (pickers, lists, health checks)."""
        return self.exclude(role=User.Role.APP)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        """A platform operator: manages tenants, belongs to none, reads no tenant's sensitive values."""
        fields.update(is_staff=True, is_superuser=True, tenant=None)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        SUPER_ADMIN = "super_admin", "Super admin"
        # A private app's identity (accounts/private_apps.py): it signs in with no password, only
        # its API token, and its scopes (accounts/scopes.py) stand in for grants.
        APP = "app", "Private app"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    tenant = models.ForeignKey(
        Tenant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="users",
        help_text="Empty only for platform operators.",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Dates and times in the staff UI are shown and typed in this time zone; they are stored in UTC.",
    )
    # The REST API's owner id (HubSpot's numeric ownerId and hubspot_owner_id), from the record number sequence.
    number = models.BigIntegerField(unique=True, null=True, blank=True, editable=False)
    # Part of the session auth hash: bumping it ends every session of the user at its next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="super_admin", tenant__isnull=True),
                name="super_admin_has_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        if self.number is None:
            (self.number,) = numbers_next(1)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def get_session_auth_hash(self) -> str:
        """Django ends a session whose stored hash differs; the generation makes that a one-row update.

        https://docs.djangoproject.com/en/5.2/topics/auth/default/#session-invalidation-on-password-change
        """
        return f"{super().get_session_auth_hash()}:{self.session_generation}"

    @property
    def is_super_admin(self) -> bool:
        return self.is_active and self.tenant_id is not None and self.role == self.Role.SUPER_ADMIN

    @property
    def is_app(self) -> bool:
        return self.role == self.Role.APP

    @property
    def is_platform_operator(self) -> bool:
        return self.is_active and self.is_superuser and self.tenant_id is None


class BackupCode(models.Model):
    """A one-time MFA backup code, stored as a salted, keyed hash (accounts.mfa): shown once, usable once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    # "hmac1$<salt>$<HMAC-SHA256>": a user's ~10 codes are each checked, so no lookup by hash is needed.
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Backup code of {self.user_id}"


class Team(TenantScopedModel):
    """A team of users in one tenant, backed by a Django group so guardian can grant to it."""

    name = models.CharField(max_length=100)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team", editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="team_name_unique_in_tenant")]

    def __str__(self) -> str:
        return self.name

    @property
    def members(self):
        return self.group.user_set.all()


class Invitation(models.Model):
    """A single-use, expiring sign-up link: the invited user sets their own password.

    Only a SHA-256 hash of the link's random token is stored: a copy of the database opens no account.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Empty: the command line."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer invitation replaces this one.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.user_id}"


class PrivateApp(TenantScopedModel):
    """An integration's access to one tenant through the REST API, with HubSpot's private app scopes.

    The app acts as its own user (role "app", no password), so that every audit event names it and
    the record layer treats it like any actor; its scopes, minus the allowlist, stand in for grants.
    Only a keyed hash of the token is stored (accounts/private_apps.py).
    """

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="private_app", editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=12, editable=False, help_text="The token's last characters.")
    scopes = models.JSONField(default=list, blank=True)
    # Beyond HubSpot: "contacts.salary" names; when not empty, the only sensitive properties the
    # sensitive scopes open.
    sensitive_allowlist = models.JSONField(default=list, blank=True)
    # CIDR ranges ("10.0.0.0/8", "2001:db8::/32"); empty: any address.
    allowed_ip_ranges = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="private_app_name_unique_in_tenant")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
