"""A change of a property's sensitivity: the definition changes now, its values move in the background.

Not part of the choke point: it changes no value itself (sensitive/moves.py does, in tasks), so the
settings screens and the admin call it without importing the choke-point modules.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.security import check_mfa_before_sensitive
from audit import services as audit_services
from audit.models import AuditEvent
from crm.display import display_names_refresh
from crm.models import PropertyDefinition
from crm.tenancy import require_schema_editor
from sensitive.grants import grants_changed
from sensitive.permissions import PropertyAccess
from sensitive.tasks import property_values_decrypt_task, property_values_encrypt_task


@transaction.atomic
def property_sensitivity_change(*, actor, definition: PropertyDefinition, sensitivity: str) -> PropertyDefinition:
    """Raise or lower a property's sensitivity; existing values move in a background job (sensitive/moves.py).

    Raising from `none` encrypts the values held in the records' JSON and removes them from it;
    lowering to `none` (a super admin's decision, audited) decrypts them back into the JSON. On a
    raise the display names lose the values here, in this transaction: until the move is done the
    values wait in the JSON, read only through the choke point, never shown or searched as plain data.
    """
    if not (actor.is_super_admin or actor.is_app) or definition.tenant_id != actor.tenant_id:
        raise PermissionDenied("Only a super admin of this tenant can change a property's sensitivity.")
    if sensitivity not in PropertyDefinition.Sensitivity.values:
        raise ValidationError({"sensitivity": "That is not a sensitivity level."})
    definition = PropertyDefinition.objects.select_for_update().select_related("object_type").get(pk=definition.pk)
    before = definition.sensitivity
    if before == sensitivity:
        return definition
    # A private app (the REST API) needs the schema scope and the write scope of the higher tier.
    levels = PropertyDefinition.Sensitivity.values
    require_schema_editor(
        actor,
        definition.object_type,
        tier=max(before, sensitivity, key=levels.index),
        property_name=definition.name,
    )
    if levels.index(sensitivity) < levels.index(before) and not PropertyAccess(actor).can_view(definition):
        # Lowering shows the values to more people (to all, at none): only to one who may see them.
        raise PermissionDenied(
            f"Lowering the sensitivity of {definition.name} needs the permission to view its values "
            "(for an app, the read scope of its tier)."
        )
    if definition.values_moving:
        if definition.values_move_failed_at:
            message = (
                "Moving the values of this property after the last change failed; it is resumed automatically "
                "within a few minutes. The sensitivity can change again when the move has finished."
            )
        else:
            message = "Values of this property are still being moved; try again shortly."
        raise ValidationError({"sensitivity": message})
    was_sensitive = before != PropertyDefinition.Sensitivity.NONE
    now_sensitive = sensitivity != PropertyDefinition.Sensitivity.NONE
    if now_sensitive:
        check_mfa_before_sensitive(actor.tenant)
    definition.sensitivity = sensitivity
    definition.values_moving = was_sensitive != now_sensitive
    definition.values_move_progress_at = timezone.now() if definition.values_moving else None
    definition.values_move_failed_at = None
    definition.save(
        update_fields=["sensitivity", "values_moving", "values_move_progress_at", "values_move_failed_at", "updated_at"]
    )
    grants_changed(tenant_id=definition.tenant_id)  # an app's reach follows the tier: its scopes are its grants
    if now_sensitive and not was_sensitive:
        display_names_refresh(object_type=definition.object_type, holding=definition.name)
    audit_services.event_record(
        kind=AuditEvent.Kind.SENSITIVITY_CHANGED,
        actor=actor,
        object_type=definition.object_type.name,
        property_names=[definition.name],
        details={"from": before, "to": sensitivity},
    )
    if definition.values_moving:
        task = property_values_encrypt_task if now_sensitive else property_values_decrypt_task
        transaction.on_commit(partial(task.delay, str(definition.pk)))
    return definition
