"""Invitations: a new user sets their own password through a single-use, expiring link sent by email.

Nobody else ever chooses or sees the password, and the link's token is in the email only: the
database keeps a SHA-256 hash of it (256 random bits need no slow hash), and no log line, event or
page shows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, User
from audit import services as audit_services
from audit.models import AuditEvent
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


class InvitationInvalid(ApplicationError):
    """The link is unknown, used, replaced or expired; `reason` says which, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"This invitation link is {reason}.", {"reason": reason})
        self.reason = reason


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_may_invite(actor: User | None, user: User) -> None:
    # actor None: the command line, run by whoever runs the server.
    if actor is not None and not (
        actor.is_platform_operator or (actor.is_super_admin and actor.tenant_id == user.tenant_id)
    ):
        raise PermissionDenied("Only a super admin of the user's organisation can invite them.")
    if user.tenant_id is None or not user.is_active or user.is_app:
        raise ValidationError({"user": f"{user.email} cannot be invited: not an active user of an organisation."})
    if user.has_usable_password():
        # Invitations are for signing up; a password someone knows is changed by its owner.
        raise ValidationError({"user": f"{user.email} has already set a password."})


@transaction.atomic
def invitation_create(*, actor: User | None, user: User) -> Invitation:
    """A new sign-up link for `user`, emailed after commit; any earlier link of theirs stops working."""
    _check_may_invite(actor, user)
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at=None, voided_at=None).update(voided_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        invited_by=actor,
        token_hash=_token_hash(token),
        expires_at=now + dt.timedelta(hours=settings.INVITATION_HOURS),
    )
    audit_services.event_record(
        kind=AuditEvent.Kind.INVITATION_SENT,
        tenant=user.tenant,
        actor=actor,
        details={"user": user.email, "expires_at": invitation.expires_at.isoformat()},
    )
    transaction.on_commit(partial(_invitation_email_send, invitation_id=invitation.pk, token=token))
    return invitation


def _invitation_email_send(*, invitation_id, token: str) -> None:
    """Sent in this process, not by a Celery task: the token must not travel through the broker."""
    invitation = Invitation.objects.select_related("user__tenant", "invited_by").get(pk=invitation_id)
    user = invitation.user
    context = {
        "user": user,
        "tenant": user.tenant,
        "invited_by": invitation.invited_by,
        "link": settings.SITE_URL + reverse("invitation_accept", args=[token]),
        "expires_at": invitation.expires_at,
    }
    try:
        send_mail(
            subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        # The user exists either way; whoever invited them can send a new invitation.
        logger.exception("Could not send the invitation email of user %s", user.pk)


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation a link's token opens, or InvitationInvalid saying why it does not."""
    invitation = Invitation.objects.select_related("user__tenant").filter(token_hash=_token_hash(token)).first()
    _check_valid(invitation)
    return invitation


def _check_valid(invitation: Invitation | None) -> None:
    if invitation is None:
        raise InvitationInvalid("not valid")
    if invitation.used_at is not None:
        raise InvitationInvalid("used")
    if invitation.voided_at is not None:
        raise InvitationInvalid("replaced")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid("expired")
    if not invitation.user.is_active:
        raise InvitationInvalid("not valid")


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Sets the invited user's password (Django's validators apply) and uses up the link; a security event."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("user__tenant")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    _check_valid(invitation)
    user = invitation.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    now = timezone.now()
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    Invitation.objects.filter(user=user, used_at=None, voided_at=None).update(voided_at=now)
    audit_services.event_record(kind=AuditEvent.Kind.INVITATION_ACCEPTED, actor=user)
    return user
