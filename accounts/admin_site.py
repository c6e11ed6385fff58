from django.contrib import admin


class CrmAdminSite(admin.AdminSite):
    """The admin is the console of tenant super admins and platform operators, and of no one else."""

    site_header = "CRM administration"
    site_title = "CRM admin"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_super_admin or user.is_platform_operator)
