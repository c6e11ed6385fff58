from django.core.management.base import BaseCommand

from accounts.models import Tenant
from audit.context import acting_as
from audit.retention import tenant_audit_archive


class Command(BaseCommand):
    help = "Archive audit events older than each tenant's retention to compressed files (also run nightly)."

    def handle(self, *args, **options) -> None:
        with acting_as(surface_name="system"):
            for tenant in Tenant.objects.order_by("name"):
                result = tenant_audit_archive(tenant=tenant)
                files = ", ".join(str(path) for path in result.files) or "nothing to archive"
                self.stdout.write(f"{tenant.name}: {result.events} events archived ({files}).")
