"""What the schema services share: setting changed fields, saving and auditing a change, field errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import ObjectType

# The code of a ValidationError for a name already taken: the REST API answers it with a 409.
DUPLICATE = "duplicate"
TIERS = ("none", "sensitive", "highly_sensitive")


def duplicate(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=DUPLICATE)})


def higher_tier(*tiers: str) -> str:
    """The most sensitive of `tiers` (none < sensitive < highly_sensitive)."""
    return max(tiers, key=TIERS.index)


def set_changed(obj, new: Mapping[str, Any]) -> list[str]:
    """Set the fields of `new` on `obj`; the names of those whose value differed (None: keep)."""
    changed = [name for name, value in new.items() if value is not None and getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, new[name])
    return changed


def schema_changed(actor: User, obj, object_type: ObjectType, changed: list[str], **details) -> None:
    obj.full_clean()
    obj.save(update_fields=[*changed, "updated_at"])
    schema_change_audit(actor, object_type, changed, **details)


def schema_change_audit(actor: User, object_type: ObjectType, changed: list[str], **details) -> None:
    audit_services.event_record(
        kind=AuditEvent.Kind.TENANT_SETTINGS_CHANGED,
        actor=actor,
        object_type=object_type.name,
        property_names=[details["property"]] if "property" in details else [],
        details={**details, "changed": changed},
    )


def prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    """The same errors with their fields under `prefix` ("properties[2].options")."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({prefix: exc.error_list})
    return ValidationError(
        {f"{prefix}.{field}" if field != "__all__" else prefix: errors for field, errors in exc.error_dict.items()}
    )
