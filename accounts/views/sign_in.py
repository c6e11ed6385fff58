"""The password step, signing out, and the lockout page."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from accounts import mfa, security
from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from accounts.models import User
from accounts.sudo import mark_confirmed
from audit import services as audit_services
from audit.models import AuditEvent


def _known_user(typed: str | None) -> User | None:
    """The user whose email was typed, if there is one. Anything else stays out of the (immutable) audit:
    people type passwords into the email field."""
    email = (typed or "").strip().lower()[:254]
    return User.objects.filter(email=email).select_related("tenant").first() if email else None


def _failure_details(user: User | None) -> dict:
    return {"tenant": user.tenant if user else None, "details": {"email": user.email} if user else {}}


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        """`next`, unless it is this page: Django raises on that loop for a signed-in user (a 500)."""
        url = super().get_redirect_url()
        return "" if url and urlsplit(url).path == self.request.path else url

    def form_valid(self, form):
        response = super().form_valid(form)  # login() has given the session a new key
        now = security.now().timestamp()
        self.request.session[SIGNED_IN_AT] = self.request.session[LAST_SEEN_AT] = now
        mark_confirmed(self.request, new_session_key=False)
        audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=form.get_user())
        mfa.totp_enrolments_expire()  # any sign-in sweeps away enrolments abandoned past their time limit
        return response

    def form_invalid(self, form):
        user = _known_user(form.data.get("username"))
        audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN_FAILED, **_failure_details(user))
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_services.event_record(kind=AuditEvent.Kind.SIGN_OUT, actor=request.user)
        return super().post(request, *args, **kwargs)


def locked_out(request, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when a user or an IP is locked out; our views call it after counting a failure."""
    user = _known_user((credentials or {}).get("username"))
    audit_services.event_record(kind=AuditEvent.Kind.LOCKED_OUT, **_failure_details(user))
    if request.user.is_authenticated:
        logout(request)
    return render(request, "accounts/locked_out.html", status=429)
