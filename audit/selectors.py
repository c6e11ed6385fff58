"""Reads of audit events for a tenant's super admins: the viewer and its CSV export."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import User
from audit import record_index
from audit.models import AuditEvent
from crm.models import PropertyDefinition, Record


def _require_super_admin(actor: User) -> None:
    # Platform operators are not super admins (no tenant): they get no tenant's events either.
    if not actor.is_super_admin:
        raise PermissionDenied("Only the tenant's super admins may read its audit events.")


def event_list(
    *,
    actor: User,
    actor_id: uuid.UUID | str | None = None,
    record_id: uuid.UUID | str | None = None,
    property_key: str | None = None,
    kinds: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The events of the actor's tenant, newest first; `since` is inclusive, `until` exclusive."""
    _require_super_admin(actor)
    events = AuditEvent.objects.filter(tenant_id=actor.tenant_id).select_related("actor").order_by("-created_at", "-id")
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if record_id:
        events = record_index.events_concerning(events, record_id)
    if property_key:
        events = events.filter(_concerning_property(property_key))
    if kinds:
        events = events.filter(kind__in=list(kinds))
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events


def event_actor_choices(*, actor: User) -> QuerySet[User]:
    """The tenant's users, for the "who" filter (deactivated ones too: their events remain)."""
    _require_super_admin(actor)
    return User.objects.filter(tenant_id=actor.tenant_id).order_by("email")


def event_property_choices(*, actor: User) -> list[tuple[str, str]]:
    """("<object type>.<property>", label) of the tenant's properties: a name alone is ambiguous,
    since two object types may each have a property of that name."""
    _require_super_admin(actor)
    definitions = PropertyDefinition.objects.for_tenant(actor.tenant_id).select_related("object_type")
    return [
        (f"{d.object_type.name}.{d.name}", f"{d.object_type.label_plural} · {d.label}")
        for d in definitions.order_by("object_type__position", "object_type__label_plural", "label")
    ]


def _concerning_property(property_key: str) -> Q:
    """Events about the property "<object type>.<name>".

    Events name their object type (several, comma-separated, for a read across types) and their
    properties apart. Names are [a-z0-9_], so matching the type between commas and the quoted name
    in the JSON text is exact, and portable: SQLite has no JSON containment.
    """
    type_name, _, name = property_key.partition(".")
    of_type = (
        Q(object_type=type_name)
        | Q(object_type__startswith=f"{type_name},")
        | Q(object_type__endswith=f",{type_name}")
        | Q(object_type__contains=f",{type_name},")
    )
    return of_type & Q(property_names__icontains=f'"{name}"')


def event_record_known(*, actor: User, record_id: uuid.UUID) -> bool:
    """Whether the id is one of the tenant's records, or was one: deleted records keep their events."""
    _require_super_admin(actor)
    if Record.objects.for_tenant(actor.tenant_id).filter(pk=record_id).exists():
        return True
    return record_index.events_concerning(AuditEvent.objects.filter(tenant_id=actor.tenant_id), record_id).exists()


def event_records(*, actor: User, record_ids: Iterable[str]) -> dict[str, Record]:
    """The tenant's records among `record_ids`, by id as a string, with their object type, for links."""
    _require_super_admin(actor)
    ids = []
    for record_id in record_ids:
        try:
            ids.append(uuid.UUID(str(record_id)))
        except ValueError:
            continue
    if not ids:
        return {}
    records = (
        Record.objects.for_tenant(actor.tenant_id)
        .filter(pk__in=ids)
        .select_related("object_type")
        .only("id", "display_name", "object_type__name", "object_type__label_singular")
    )
    return {str(record.pk): record for record in records}


def chain_verification_latest(*, tenant) -> AuditEvent | None:
    """The outcome of the last verification of the tenant's chain (for its security health check)."""
    kinds = [AuditEvent.Kind.AUDIT_VERIFIED, AuditEvent.Kind.AUDIT_CHAIN_BROKEN]
    return AuditEvent.objects.filter(tenant=tenant, kind__in=kinds).order_by("-created_at", "-id").first()
