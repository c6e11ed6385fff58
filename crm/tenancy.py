"""The guards every CRM service starts with: who acts, in which tenant, with which role."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts import scopes as api_scopes
from accounts.models import User


def tenant_of(actor: User):
    if actor.tenant_id is None:
        raise PermissionDenied("Platform operators do not work inside a tenant's records.")
    return actor.tenant


def require_super_admin(actor: User) -> None:
    if not actor.is_super_admin:
        raise PermissionDenied("Only a super admin of this tenant can change the data model.")


def require_schema_editor(
    actor: User, object_type=None, *, tier: str = api_scopes.NONE, property_name: str = ""
) -> None:
    """Who may change the data model: a super admin, or a private app holding the schema write scope
    of the type (custom types when `object_type` is None) and, for a property of a sensitive `tier`,
    that tier's write scope of the type too, as HubSpot's sensitive data scopes require. An app with
    a sensitive allowlist changes only the sensitive properties it names (`property_name`)."""
    if actor.is_super_admin:
        return
    app = getattr(actor, "private_app", None) if actor.is_app and actor.is_active and actor.tenant_id else None
    if app is None or app.is_revoked:
        raise PermissionDenied("Only a super admin of this tenant can change the data model.")
    name, standard = (object_type.name, object_type.is_standard) if object_type is not None else ("custom", False)
    needed = [[api_scopes.schema_scope(name, is_standard=standard, access=api_scopes.WRITE)]]
    if tier != api_scopes.NONE:
        needed.append(api_scopes.object_scopes_needed(name, is_standard=standard, access=api_scopes.WRITE, tier=tier))
    listed = (
        tier == api_scopes.NONE or not app.sensitive_allowlist or f"{name}.{property_name}" in app.sensitive_allowlist
    )
    if not (listed and all(api_scopes.may(app.scopes, any_of) for any_of in needed)):
        raise PermissionDenied("This app's scopes do not allow this change of the data model.")


def check_same_tenant(actor: User, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.tenant_id != actor.tenant_id:
            # Same error as "missing": another tenant's ids must not be confirmed to exist.
            raise type(obj).DoesNotExist(f"No such {type(obj)._meta.verbose_name}.")
