"""Reads for the webhooks pages: what an app may subscribe to, what it has, what was sent."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import PrivateApp
from crm.models import ObjectType, PropertyDefinition
from webhooks.models import Delivery, Subscription
from webhooks.services import Wanted, app_reads, subscription_type_of


@dataclass(frozen=True)
class Choice:
    value: str  # "<object type id>:<event type>:<property name>", a checkbox's value
    label: str
    sensitive: bool = False


def subscription_choices(*, app: PrivateApp) -> dict[ObjectType, list[Choice]]:
    """For each object type the app may read: its creation, its deletion and each live property's change."""
    types = [
        t for t in ObjectType.objects.filter(tenant_id=app.tenant_id, archived_at__isnull=True) if app_reads(app, t)
    ]
    definitions: dict = {}
    for d in PropertyDefinition.objects.filter(object_type__in=types, archived_at__isnull=True).order_by("label"):
        definitions.setdefault(d.object_type_id, []).append(d)
    choices = {}
    for t in types:
        of_type = [
            Choice(f"{t.pk}:creation:", f"{subscription_type_of(t, 'creation')}: a record is created"),
            Choice(f"{t.pk}:deletion:", f"{subscription_type_of(t, 'deletion')}: a record is deleted or archived"),
        ]
        for d in definitions.get(t.pk, []):
            label = f"{subscription_type_of(t, 'propertyChange')}: {d.label} ({d.name})"
            of_type.append(Choice(f"{t.pk}:propertyChange:{d.name}", label, d.is_sensitive))
        choices[t] = of_type
    return choices


def subscription_values(*, app: PrivateApp) -> list[str]:
    """The checkbox values of the app's active subscriptions."""
    return [
        f"{s.object_type_id}:{s.event_type}:{s.property_name}"
        for s in Subscription.objects.filter(app=app, active=True)
    ]


def wanted_of(*, app: PrivateApp, values: list[str]) -> list[Wanted]:
    """Checkbox values back into subscriptions asked for (unknown types are dropped: the form's
    choices allowed only the app's own)."""
    types = {str(t.pk): t for t in ObjectType.objects.filter(tenant_id=app.tenant_id)}
    wanted = []
    for value in values:
        type_id, _, rest = value.partition(":")
        event_type, _, name = rest.partition(":")
        if type_id in types:
            wanted.append(Wanted(types[type_id], event_type, name))
    return wanted


def deliveries_recent(*, app: PrivateApp, limit: int = 50):
    return Delivery.objects.filter(app=app).order_by("-created_at", "-number")[:limit]
