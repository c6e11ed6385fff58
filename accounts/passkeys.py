"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn, with our events and checks.

The package's views do the WebAuthn ceremonies; these subclasses add what every second factor
does here: an audit event, a fresh confirmation (sudo mode) before a passkey is added, and a
new session key once a passkey has been used.
"""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions, views

from accounts.sudo import mark_confirmed, recently_confirmed
from audit import services as audit_services
from audit.models import AuditEvent


def relying_party_id(request) -> str:
    """The host the user reached us on: passkeys are bound to it."""
    return request.get_host().rsplit(":", 1)[0] if not request.get_host().startswith("[") else request.get_host()


class ConfirmFirst(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = "Confirm it's you first (reload the page), then add the passkey."
    default_code = "sudo_required"


class FreshConfirmationMixin:
    """Adding a factor asks for a fresh confirmation, like removing one (a stolen session must not add its own)."""

    def check_can_register(self):
        super().check_can_register()
        if not recently_confirmed(self.request):
            raise ConfirmFirst()


class BeginRegistrationView(FreshConfirmationMixin, views.BeginCredentialRegistrationView):
    pass


class CompleteRegistrationView(FreshConfirmationMixin, views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            # The package may have just marked the session verified by the new passkey: a new key for it.
            self.request.session.cycle_key()
            audit_services.event_record(
                kind=AuditEvent.Kind.MFA_ENROLLED, actor=self.request.user, details={"device": "passkey"}
            )
        return response


class CompleteAuthenticationView(views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        result = super().complete_auth(device)
        mark_confirmed(self.request)  # a new session key too
        audit_services.event_record(kind=AuditEvent.Kind.MFA_VERIFIED, actor=device.user, details={"device": "passkey"})
        return result


app_name = "otp_webauthn"
urlpatterns = [
    path("registration/begin/", BeginRegistrationView.as_view(), name="credential-registration-begin"),
    path("registration/complete/", CompleteRegistrationView.as_view(), name="credential-registration-complete"),
    path(
        "authentication/begin/",
        views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path("authentication/complete/", CompleteAuthenticationView.as_view(), name="credential-authentication-complete"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
