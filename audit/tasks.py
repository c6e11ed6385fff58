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


@shared_task(acks_late=True)
def audit_verify_task() -> int:
    """Walk every chain and record the outcome in it; returns how many chains are broken."""
    # Imported here to keep Celery's module loading free of model imports.
    from audit.context import acting_as
    from audit.verification import chains_verification_record, chains_verify

    with acting_as(surface_name="system"):
        reports = chains_verify()
        chains_verification_record(reports=reports)
    return len({report.chain for report in reports if report.fault is not None})


@shared_task(acks_late=True, ignore_result=True)
def audit_seal_task() -> int:
    """The sweep: seal events left unsealed after their commit (their process died, or lost a race)."""
    # Imported here to keep Celery's module loading free of model imports.
    from audit.sealing import chains_seal_pending

    return chains_seal_pending()
