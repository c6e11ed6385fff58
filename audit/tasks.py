from celery import shared_task


@shared_task(acks_late=True)
def audit_archive_task() -> int:
    # Imported here to keep Celery's module loading free of model imports.
    from accounts.models import Tenant
    from audit.context import acting_as
    from audit.retention import tenant_audit_archive

    archived = 0
    with acting_as(surface_name="system"):
        for tenant in Tenant.objects.all():
            archived += tenant_audit_archive(tenant=tenant).events
    return archived
