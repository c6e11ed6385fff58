from django.urls import path

from accounts import views
from accounts.views import invite as views_invite

urlpatterns = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("accounts/mfa/backup-codes/", views.mfa_backup_codes, name="mfa_backup_codes"),
    path("accounts/mfa/backup-codes/new/", views.mfa_backup_codes_create, name="mfa_backup_codes_create"),
    path("accounts/mfa/", views.mfa_devices, name="mfa_devices"),
    path("accounts/mfa/remove/", views.mfa_device_remove, name="mfa_device_remove"),
    path("accounts/confirm/", views.sudo_confirm, name="sudo_confirm"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("accounts/password/", views_invite.password_change, name="password_change"),
    path("accounts/invitation/<str:token>/", views_invite.invitation_accept, name="invitation_accept"),
    path("accounts/keepalive/", views.keepalive, name="keepalive"),
    path("security/health/", views.security_health, name="security_health"),
    path("security/settings/", views.security_settings, name="security_settings"),
]
