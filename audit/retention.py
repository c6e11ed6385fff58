"""Applying each tenant's retention: archive what is older, and say so in the chain."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Tenant
from audit import archive, services
from audit.models import AuditEvent, chain_key


def tenant_audit_archive(*, tenant: Tenant, now: dt.datetime | None = None) -> archive.ArchiveResult:
    before = (now or timezone.now()) - dt.timedelta(days=tenant.audit_retention_days)
    result = archive.chain_archive(chain=chain_key(tenant.pk), before=before)
    if result.events:
        services.event_record(
            kind=AuditEvent.Kind.AUDIT_ARCHIVED,
            tenant=tenant,
            details={
                "events": result.events,
                "before": before.isoformat(),
                "files": [{"name": path.name, "sha256": archive.file_digest(path)} for path in result.files],
            },
        )
    return result
