"""Records by the REST API's numeric ids, scoped by the actor's tenant and record scope like every read."""

from __future__ import annotations

from accounts.models import User
from crm.models import ObjectType, Record
from crm.records.visibility import visibility_of


def record_get_by_number(*, actor: User, object_type: ObjectType, number: int) -> Record:
    """Raises Record.DoesNotExist alike for a missing, foreign, other-type or out-of-scope number."""
    if actor.tenant_id is None or object_type.tenant_id != actor.tenant_id:
        raise Record.DoesNotExist("No such record.")
    record = (
        Record.objects.for_tenant(actor.tenant_id)
        .filter(object_type=object_type)
        .select_related("owner", "team", "object_type")
        .get(number=number)
    )
    if not visibility_of(actor).allows(record):
        raise Record.DoesNotExist("No such record.")
    return record
