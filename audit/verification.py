"""Verifying the chains (the audit_verify command and its nightly task) and recording the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from accounts.models import Tenant
from audit import archive, chain, services
from audit.models import PLATFORM_CHAIN, AuditChainHead, AuditEvent, chain_key

logger = logging.getLogger(__name__)


@dataclass
class ChainReport:
    name: str  # the tenant's name, or "platform"
    chain: str
    checked: int
    fault: chain.Break | None
    archives: bool = False  # a report on the archived files of the chain

    @property
    def where(self) -> str:
        if self.fault is None:
            return ""
        return f"event #{self.fault.seq}" + (f" (id {self.fault.event_id})" if self.fault.event_id else "")


def chains_of(tenant: Tenant | None = None) -> list[tuple[str, str]]:
    """(name, chain) of one tenant, or of every chain there is."""
    if tenant is not None:
        return [(tenant.name, chain_key(tenant.pk))]
    names = {str(pk): name for pk, name in Tenant.objects.values_list("id", "name")}
    return [
        (PLATFORM_CHAIN if key == PLATFORM_CHAIN else names.get(key, key), key)
        for key in AuditChainHead.objects.order_by("chain").values_list("chain", flat=True)
    ]


def chains_verify(*, tenant: Tenant | None = None, archives: bool = False) -> list[ChainReport]:
    """Seal what is written, then walk each chain (and with `archives`, its archived files first).
    Raises MasterKeyUnavailable."""
    services.events_seal(tenant=tenant)
    reports = []
    for name, key in chains_of(tenant):
        if archives:
            reports.append(ChainReport(name, key, *archive.verify_archives(key), archives=True))
        reports.append(ChainReport(name, key, *chain.verify(key)))
    return reports


def chains_verification_record(*, reports: list[ChainReport]) -> None:
    """One event per chain, in that chain: intact, or broken where and why (the health check reads it)."""
    ids = [report.chain for report in reports if report.chain != PLATFORM_CHAIN]
    tenants = {str(tenant.pk): tenant for tenant in Tenant.objects.filter(pk__in=ids)}
    for key in dict.fromkeys(report.chain for report in reports):
        mine = [report for report in reports if report.chain == key]
        broken = next((report for report in mine if report.fault is not None), None)
        tenant = None if key == PLATFORM_CHAIN else tenants.get(key)
        if key != PLATFORM_CHAIN and tenant is None:
            continue  # events of a tenant that is gone: nowhere to record them
        if broken is None:
            details = {"events": sum(report.checked for report in mine)}
            services.event_record(kind=AuditEvent.Kind.AUDIT_VERIFIED, tenant=tenant, details=details)
            continue
        logger.error("The audit chain %s is broken at %s: %s", broken.name, broken.where, broken.fault.reason)
        services.event_record(
            kind=AuditEvent.Kind.AUDIT_CHAIN_BROKEN,
            tenant=tenant,
            details={
                "seq": broken.fault.seq,
                "event_id": broken.fault.event_id,
                "reason": broken.fault.reason,
                "archives": broken.archives,
                "events_before": broken.checked,
            },
        )
