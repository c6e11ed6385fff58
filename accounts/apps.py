from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"


class CrmAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.admin_site.CrmAdminSite"
