"""The second factor: passing it, enrolling an authenticator app, devices and backup codes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa, security
from accounts.models import User
from accounts.sudo import confirm_first, confirm_url, mark_confirmed, recently_confirmed, require_sudo_mode, safe_next
from accounts.views.sign_in import locked_out
from audit import services as audit_services
from audit.models import AuditEvent

# The enrolment this session started: {"device": pk, "started_at": timestamp}. Never taken from the form.
ENROLMENT = "mfa_enrolment"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True})
    )


def _failed(request, user: User):
    """A wrong code of a user past the password step: counted for that user (not the IP); signed out at the limit."""
    if security.signed_in_failure_count(request, user):
        return locked_out(request, credentials={"username": user.email})
    return None


@login_required
@sensitive_post_parameters("code")
def mfa_verify(request):
    user = request.user
    next_url = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if user.is_verified():
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.code_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            if device == "backup":
                device = _backup_marker(user)
                messages.warning(request, "You used a backup code; each works once. Make new ones if few are left.")
            otp_login(request, device)
            mark_confirmed(request)
            audit_services.event_record(kind=AuditEvent.Kind.MFA_VERIFIED, actor=user)
            return redirect(next_url)
        audit_services.event_record(kind=AuditEvent.Kind.MFA_FAILED, actor=user)
        if locked := _failed(request, user):
            return locked
        form.add_error("code", "That code is not right, or it was already used.")
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


def _backup_marker(user: User) -> TOTPDevice:
    """django-otp marks a session verified by a device; backup codes verify through the user's TOTP device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    return device


@login_required
@sensitive_post_parameters("code")
def mfa_enrol(request):
    """Add an authenticator app: started with a fresh confirmation, finished by the same session only.

    A user who already has a factor must have passed it in this session: otherwise the password alone
    would add (and pass with) a factor of the attacker's choosing.
    """
    user = request.user
    if request.method == "POST":
        return _enrolment_finish(request)
    if security.has_mfa_device(user) and not user.is_verified():
        return redirect("mfa_verify")
    if not recently_confirmed(request):
        # For a first factor the password is the confirmation (signing in just gave one).
        return confirm_first(request)
    enrolment = mfa.totp_enrolment_start(user=user)
    request.session[ENROLMENT] = {"device": enrolment.device.pk, "started_at": security.now().timestamp()}
    return render(request, "accounts/mfa_enrol.html", {"form": CodeForm(), "enrolment": enrolment})


def _enrolment_finish(request):
    user = request.user
    started = request.session.get(ENROLMENT) or {}
    posted = request.POST.get("device")
    if posted is not None and posted != str(started.get("device")):
        # The form carries no device id: one sent anyway is someone trying another enrolment's device.
        audit_services.event_record(kind=AuditEvent.Kind.MFA_FAILED, actor=user, details={"enrolment": "foreign"})
        if locked := _failed(request, user):
            return locked
        return redirect("mfa_enrol")
    if security.has_mfa_device(user) and not user.is_verified():
        return redirect("mfa_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=started.get("device")).first()
    if device is None or security.now().timestamp() - started["started_at"] > mfa.ENROLMENT_MINUTES * 60:
        request.session.pop(ENROLMENT, None)
        if device is not None:
            mfa.totp_enrolment_abandon(user=user, device_id=device.pk)
        messages.error(request, "That set-up took too long or was replaced; start again with the new code below.")
        return redirect("mfa_enrol")
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            mfa.totp_enrolment_confirm(user=user, device=device, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.message_dict["code"])
            audit_services.event_record(kind=AuditEvent.Kind.MFA_FAILED, actor=user, details={"enrolment": "code"})
            if locked := _failed(request, user):
                return locked
        else:
            request.session.pop(ENROLMENT, None)
            if not user.is_verified():
                otp_login(request, device)
            mark_confirmed(request)
            return _backup_codes_page(request, mfa.backup_codes_create(user=user))
    return render(request, "accounts/mfa_enrol.html", {"form": form, "enrolment": mfa.enrolment_of(device)})


def _backup_codes_page(request, codes: list[str]):
    """Fresh backup codes, in this response only: they are never stored in clear, not even in the session."""
    response = render(request, "accounts/backup_codes.html", {"codes": codes, "next": safe_next(request, None)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def mfa_backup_codes(request):
    """Backup codes are shown once, when made; this page only says so."""
    return render(request, "accounts/backup_codes.html", {"codes": None, "next": safe_next(request, None)})


@login_required
def mfa_devices(request):
    user = request.user
    return render(
        request,
        "accounts/mfa_devices.html",
        {
            "devices": mfa.devices_list(user=user),
            "backup_codes_left": user.backup_codes.filter(used_at__isnull=True).count(),
            # Adding a passkey needs a fresh confirmation, like removing a device.
            "may_add_factor": recently_confirmed(request),
            "confirm_url": confirm_url(request, request.get_full_path()),
        },
    )


@login_required
@require_POST
@require_sudo_mode
def mfa_device_remove(request):
    try:
        mfa.device_remove(user=request.user, device_id=request.POST.get("device", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The device was removed.")
    return redirect("mfa_devices")


@login_required
@require_POST
@require_sudo_mode
def mfa_backup_codes_create(request):
    return _backup_codes_page(request, mfa.backup_codes_create(user=request.user))
