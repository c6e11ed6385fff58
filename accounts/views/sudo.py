"""Confirm it's you: the password or a code again, before a dangerous action."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts import mfa, security
from accounts.sudo import mark_confirmed, safe_next
from accounts.views.sign_in import locked_out
from audit import services as audit_services
from audit.models import AuditEvent


class ConfirmForm(forms.Form):
    password = forms.CharField(label="Password", required=False, widget=forms.PasswordInput)
    code = forms.CharField(label="Or a code from your authenticator app", required=False, max_length=20)


@login_required
@sensitive_post_parameters("password", "code")
def sudo_confirm(request):
    user = request.user
    next_url = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password, code = form.cleaned_data["password"], form.cleaned_data["code"]
        confirmed = (password and user.check_password(password)) or (code and mfa.code_verify(user=user, code=code))
        if confirmed:
            mark_confirmed(request)
            audit_services.event_record(kind=AuditEvent.Kind.SUDO_CONFIRMED, actor=user)
            return redirect(next_url)
        audit_services.event_record(kind=AuditEvent.Kind.SUDO_FAILED, actor=user)
        # Counted for this user, not this IP: a shared office address must not lock everyone out.
        if security.signed_in_failure_count(request, user):
            return locked_out(request, credentials={"username": user.email})
        form.add_error(None, "That password or code is not right.")
    return render(request, "accounts/sudo_confirm.html", {"form": form, "next": next_url})
