"""Setting a password: through an invitation link (before signing in), and changing one's own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.functional import lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from accounts import invitations
from accounts import services as account_services
from accounts.sudo import require_sudo_mode

_RULES = lazy(lambda: " ".join(password_validators_help_texts()), str)
_INVALID_STATUS = {"not valid": 404, "used": 410, "replaced": 410, "expired": 410}


class NewPasswordForm(forms.Form):
    """Two entries of the new password; the service applies Django's password validators."""

    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=_RULES(),
    )
    new_password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords do not match.")
        return cleaned

    def add_service_error(self, exc: ValidationError) -> None:
        errors = exc.message_dict.get("password") if hasattr(exc, "error_dict") else None
        self.add_error("new_password1", errors or exc.messages)


@never_cache
@sensitive_variables("token")
@sensitive_post_parameters("new_password1", "new_password2")
def invitation_accept(request, token: str):
    """The link in the invitation email; works for signed-out visitors only (it is exempt from the MFA gate)."""
    try:
        invitation = invitations.invitation_for_token(token=token)
    except invitations.InvitationInvalid as exc:
        return _invalid(request, exc)
    if request.user.is_authenticated:
        # Someone else's session (or an earlier one) in this browser: nothing happens until they sign out.
        return render(request, "accounts/invitation_signed_in.html", {"invitee": invitation.user})
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except invitations.InvitationInvalid as exc:
            return _invalid(request, exc)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Your password is set. Sign in as {user.email} to set up your second factor.")
            return redirect("login")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitee": invitation.user})


def _invalid(request, exc: invitations.InvitationInvalid):
    return render(
        request, "accounts/invitation_invalid.html", {"reason": exc.reason}, status=_INVALID_STATUS[exc.reason]
    )


@login_required
@require_sudo_mode
@sensitive_post_parameters("new_password1", "new_password2")
def password_change(request):
    """The signed-in user's own password; their other sessions end, this one stays."""
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_password_change(
                actor=request.user, password=form.cleaned_data["new_password1"], keep_request=request
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "Your password was changed. Your other sessions were signed out.")
            return redirect("preferences")
    return render(request, "accounts/password_change.html", {"form": form})
