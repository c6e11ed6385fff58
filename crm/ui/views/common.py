"""What the staff UI's record pages share: the object type and record of the address, or a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from crm import selectors
from crm.models import ObjectType, Record
from crm.records import selectors as record_selectors


def object_type_or_404(request: HttpRequest, name: str) -> ObjectType:
    try:
        return selectors.object_type_get(actor=request.user, name=name)
    except ObjectType.DoesNotExist:
        raise Http404("No such object type.") from None


def record_or_404(request: HttpRequest, object_type: ObjectType, record_id: str) -> Record:
    """Alike for a missing, malformed, foreign, out-of-scope or other type's id."""
    try:
        record = record_selectors.record_get(actor=request.user, record_id=record_id)
    except Record.DoesNotExist:
        raise Http404("No such record.") from None
    if record.object_type_id != object_type.id:
        raise Http404("No such record.")
    return record
