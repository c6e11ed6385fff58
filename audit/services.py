"""Writing audit events. Callers pass names and ids, never values."""

from __future__ import annotations

from collections.abc import Iterable

from audit import context
from audit.models import AuditEvent


def event_record(
    *,
    kind: str,
    tenant=None,
    actor=None,
    object_type: str = "",
    record_ids: Iterable = (),
    property_names: Iterable[str] = (),
    details: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        tenant=tenant if tenant is not None else getattr(actor, "tenant", None),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or "",
        kind=kind,
        surface=context.surface.get(),
        ip_address=context.ip_address.get(),
        object_type=object_type,
        record_ids=[str(record_id) for record_id in record_ids],
        property_names=sorted(set(property_names)),
        details=details or {},
    )
