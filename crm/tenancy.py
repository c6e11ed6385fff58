"""The guards every CRM service starts with: who acts, in which tenant, with which role."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User


def tenant_of(actor: User):
    if actor.tenant_id is None:
        raise PermissionDenied("Platform operators do not work inside a tenant's records.")
    return actor.tenant


def require_super_admin(actor: User) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin of this tenant can change the data model.")


def check_same_tenant(actor: User, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.tenant_id != actor.tenant_id:
            # Same error as "missing": another tenant's ids must not be confirmed to exist.
            raise type(obj).DoesNotExist(f"No such {type(obj)._meta.verbose_name}.")
