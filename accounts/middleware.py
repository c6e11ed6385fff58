"""Session security on every request: inactivity and age limits, and MFA before anything else; and
the signed-in user's time zone."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts import security
from audit import services as audit_services
from audit.models import AuditEvent

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# Reachable while the second factor is still owed.
MFA_EXEMPT = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/mfa/verify/",
    "/accounts/mfa/enrol/",
    "/accounts/invitation/",  # for signed-out visitors; a signed-in one is only told to sign out
    "/static/",
    "/webauthn/authentication/",
    "/webauthn/jsi18n/",
)
EXEMPT_WHILE_ENROLLING = ("/accounts/confirm/",)


class SessionSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            ended = self._session_end(request)
            if ended:
                return ended
            # A factor the user set up is asked for even where MFA is not required: otherwise the
            # password alone would pass it, and could mint backup codes for later.
            has_device = None if user.is_verified() else security.has_mfa_device(user)
            if (
                not user.is_verified()
                and not request.path.startswith(MFA_EXEMPT)
                and (has_device or security.mfa_required(user))
            ):
                # With no factor yet, the enrolment may ask for the password again (sudo mode).
                if has_device or not request.path.startswith(EXEMPT_WHILE_ENROLLING):
                    name = "mfa_verify" if has_device else "mfa_enrol"
                    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _session_end(self, request):
        now = security.now().timestamp()
        session = request.session
        idle, max_age = security.session_limits(request.user)
        signed_in = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN_AT, now)
        reason = None
        if now - last_seen > idle:
            reason = f"You were signed out after {idle // 60} minutes without activity."
        elif now - signed_in > max_age:
            reason = f"You were signed out because sessions last at most {max_age // 3600} hours."
        if reason is None:
            session[LAST_SEEN_AT] = now
            return None
        audit_services.event_record(
            kind=AuditEvent.Kind.TIMED_OUT,
            actor=request.user,
            details={"reason": "idle" if "activity" in reason else "age"},
        )
        logout(request)
        messages.info(request, reason)
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")


class TimeZoneMiddleware:
    """Shows and reads datetimes in the user's own time zone for this request; stored values stay UTC.

    https://docs.djangoproject.com/en/5.2/topics/i18n/timezones/#selecting-the-current-time-zone
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        name = user.time_zone if user.is_authenticated else ""
        try:
            if name:
                timezone.activate(zoneinfo.ZoneInfo(name))
            else:
                timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()  # a name the tz database no longer knows: UTC rather than a 500
        try:
            return self.get_response(request)
        finally:
            # The current time zone is per thread: the next request on this thread starts from UTC.
            timezone.deactivate()
