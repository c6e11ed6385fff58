"""Reads of lists, scoped by the actor's tenant; members through the record layer (record scope)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import User
from crm.models import ObjectType, Record
from crm.records import selectors as record_selectors
from workflows.models import List


class ListNotFound(LookupError):
    """No such list in the actor's tenant: one error for missing and for another tenant's."""


def list_list(*, actor: User, object_type: ObjectType | None = None, query: str = "") -> QuerySet[List]:
    lists = List.objects.for_tenant(actor.tenant_id).select_related("object_type", "created_by")
    if object_type is not None:
        lists = lists.filter(object_type=object_type)
    if query.strip():
        lists = lists.filter(name__icontains=query.strip())
    return lists


def list_get(*, actor: User, list_id: uuid.UUID | str | None = None, number: int | None = None) -> List:
    lists = list_list(actor=actor)
    try:
        return lists.get(number=number) if number is not None else lists.get(pk=list_id)
    except (List.DoesNotExist, ValueError, TypeError, ValidationError):
        raise ListNotFound from None


def list_members(*, actor: User, the_list: List) -> QuerySet[Record]:
    """The members the actor may see, by record number (the API's paging order)."""
    records = record_selectors.record_list(actor=actor, object_type=the_list.object_type)
    return records.filter(list_memberships__list=the_list).order_by("number")
