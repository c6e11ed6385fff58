"""Sign-in, second factor, enrolment, devices, sudo confirmation, preferences, and the security health page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, signals
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import health, mfa, security
from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT, session_limits
from accounts.models import User, time_zone_names
from accounts.sudo import mark_confirmed, require_sudo_mode, safe_next
from audit import services as audit_services
from audit.models import AuditEvent


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True})
    )


class ConfirmForm(forms.Form):
    password = forms.CharField(label="Password", required=False, widget=forms.PasswordInput)
    code = forms.CharField(label="Or a code from your authenticator app", required=False, max_length=20)


def _count_failure(request, user: User) -> None:
    """A wrong code counts like a wrong password: django-axes locks the user and the IP out after a few."""
    signals.user_login_failed.send(sender=User, credentials={"username": user.email}, request=request)


def _locked(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        now = security.now().timestamp()
        self.request.session[SIGNED_IN_AT] = self.request.session[LAST_SEEN_AT] = now
        mark_confirmed(self.request)
        audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=form.get_user())
        return response

    def form_invalid(self, form):
        email = (form.data.get("username") or "").strip().lower()[:254]
        user = User.objects.filter(email=email).first()
        audit_services.event_record(
            kind=AuditEvent.Kind.SIGN_IN_FAILED, tenant=user.tenant if user else None, details={"email": email}
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_services.event_record(kind=AuditEvent.Kind.SIGN_OUT, actor=request.user)
        return super().post(request, *args, **kwargs)


def locked_out(request, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when a user or an IP is locked out."""
    email = ((credentials or {}).get("username") or "")[:254]
    user = User.objects.filter(email=email).first()
    audit_services.event_record(
        kind=AuditEvent.Kind.LOCKED_OUT, tenant=user.tenant if user else None, details={"email": email}
    )
    if request.user.is_authenticated:
        logout(request)
    return render(request, "accounts/locked_out.html", status=429)


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
        _count_failure(request, user)
        if _locked(request):
            return locked_out(request, credentials={"username": user.email})
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
    user = request.user
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=request.POST.get("device")).first()
        form = CodeForm(request.POST)
        if device is None:
            return redirect("mfa_enrol")
        if form.is_valid():
            try:
                mfa.totp_enrolment_confirm(user=user, device=device, code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc.message_dict["code"])
                _count_failure(request, user)
                if _locked(request):
                    return locked_out(request, credentials={"username": user.email})
            else:
                otp_login(request, device)
                mark_confirmed(request)
                return _backup_codes_page(request, mfa.backup_codes_create(user=user))
        enrolment = mfa.enrolment_of(device)
    else:
        if security.has_mfa_device(user) and not user.is_verified():
            # Another device is added only after passing the second factor with an existing one.
            return redirect("mfa_verify")
        form = CodeForm()
        enrolment = mfa.totp_enrolment_start(user=user)
    return render(request, "accounts/mfa_enrol.html", {"form": form, "enrolment": enrolment})


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
        _count_failure(request, user)
        if _locked(request):
            return locked_out(request, credentials={"username": user.email})
        form.add_error(None, "That password or code is not right.")
    return render(request, "accounts/sudo_confirm.html", {"form": form, "next": next_url})


@login_required
@require_POST
def keepalive(request) -> JsonResponse:
    """The "stay signed in" button: this request itself renews the session's activity."""
    idle, _ = session_limits(request.user)
    return JsonResponse({"idle_seconds": idle})


@login_required
def security_health(request):
    if not request.user.is_super_admin:
        raise PermissionDenied("Only super admins see the security health check.")
    results = health.run_checks(tenant=request.user.tenant)
    return render(request, "accounts/security_health.html", {"results": results})


class SecuritySettingsForm(forms.ModelForm):
    class Meta:
        from accounts.models import Tenant

        model = Tenant
        fields = ["require_mfa", "session_idle_minutes", "session_max_hours", "sudo_minutes"]
        labels = {
            "require_mfa": "Require MFA for all users",
            "session_idle_minutes": "Inactivity timeout (minutes)",
            "session_max_hours": "Session lifetime (hours)",
            "sudo_minutes": "Ask again before dangerous actions after (minutes)",
        }


@login_required
@require_sudo_mode(only_post=True)
def security_settings(request):
    if not request.user.is_super_admin:
        raise PermissionDenied("Only super admins change security settings.")
    tenant = request.user.tenant
    form = SecuritySettingsForm(request.POST or None, instance=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            security.tenant_security_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Security settings saved.")
            return redirect("security_settings")
        tenant.refresh_from_db()
    return render(request, "accounts/security_settings.html", {"form": form})


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["time_zone"]
        labels = {"time_zone": "Time zone"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A select, not free text; the model's validator still has the last word.
        self.fields["time_zone"].widget = forms.Select(choices=[(name, name) for name in time_zone_names()])


@login_required
def preferences(request):
    """The user's own settings. Only the time zone so far: a display preference, so no sudo and no audit event."""
    user = request.user
    form = PreferencesForm(request.POST or None, instance=user)
    if request.method == "POST":
        if form.is_valid():
            user.save(update_fields=["time_zone"])
            messages.success(request, f"Preferences saved. Times are now shown in {user.time_zone}.")
            return redirect("preferences")
        user.refresh_from_db(fields=["time_zone"])  # a ModelForm writes its input onto the instance
    return render(request, "accounts/preferences.html", {"form": form})
