from django.contrib import admin

from audit.models import AuditEvent
from core.admin import TenantScopedAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScopedAdmin):
    """Read-only: events are never added, changed or deleted by hand."""

    list_display = ["created_at", "kind", "actor_email", "surface", "ip_address", "object_type", "seq"]
    list_filter = ["kind", "surface"]
    search_fields = ["actor_email", "object_type"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}
