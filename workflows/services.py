"""Lists: create, change, delete; members added and removed by hand (static lists).

A filter is checked for the actor who saves it with the compiler's rules (a sensitive property
needs the view permission: a grant, or an app's read scope of the tier) and refused on a highly
sensitive property (crm/records/filters/stored.py). Its sensitive values are stored sealed to the
list. Building an active list is workflows/building.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from audit import services as audit_services
from audit.models import AuditEvent
from crm.models import ObjectType, Record
from crm.records import selectors as record_selectors
from crm.records.filters import FilterQuery
from crm.records.filters.stored import query_check, query_seal
from workflows.building import HOLDER
from workflows.list_events import list_members_added
from workflows.models import List, ListMembership
from workflows.tasks import list_build_queue

MAX_NAME = 255


def _name_clean(actor: User, name: str, *, current: List | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A list needs a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A list's name has at most {MAX_NAME} characters."})
    taken = List.objects.for_tenant(actor.tenant_id).filter(name__iexact=name)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if taken.exists():
        raise ValidationError({"name": f"There is already a list named {name!r}."})
    return name


def _filters_clean(actor: User, the_list: List, query: FilterQuery | None) -> dict:
    if the_list.kind == List.Kind.STATIC:
        if query:
            raise ValidationError({"filters": "A static list has no filter: its members are added to it."})
        return {}
    query = query or FilterQuery()
    query_check(actor=actor, object_type=the_list.object_type, query=query)
    return query_seal(object_type=the_list.object_type, query=query, holder=HOLDER, holder_id=the_list.pk)


def _event(kind: str, actor: User, the_list: List, query: FilterQuery | None, **details) -> None:
    audit_services.event_record(
        kind=kind,
        actor=actor,
        object_type=the_list.object_type.name,
        property_names=query.property_names if query else (),
        details={"list": str(the_list.pk), "list_number": the_list.number, "kind": the_list.kind, **details},
    )


def _build_after_commit(the_list: List) -> None:
    transaction.on_commit(partial(list_build_queue, list_id=the_list.pk))


@transaction.atomic
def list_create(
    *, actor: User, object_type: ObjectType, name: str, kind: str = List.Kind.STATIC, filters: FilterQuery | None = None
) -> List:
    """A static list, or an active one whose first build starts after the commit."""
    if object_type.tenant_id != actor.tenant_id:
        raise ValidationError({"objectTypeId": "There is no such object type."})
    if kind not in List.Kind.values:
        raise ValidationError({"kind": "A list is static or active."})
    the_list = List(tenant_id=actor.tenant_id, object_type=object_type, kind=kind, created_by=actor)
    the_list.name = _name_clean(actor, name)
    the_list.filters = _filters_clean(actor, the_list, filters)
    try:
        with transaction.atomic():
            the_list.save()
    except IntegrityError:  # the same name saved meanwhile
        raise ValidationError({"name": f"There is already a list named {the_list.name!r}."}) from None
    _event(AuditEvent.Kind.LIST_CREATED, actor, the_list, filters)
    if kind == List.Kind.ACTIVE:
        _build_after_commit(the_list)
    return the_list


@transaction.atomic
def list_update(*, actor: User, the_list: List, name: str | None = None, filters: FilterQuery | None = None) -> List:
    """Renames the list and, for an active list, replaces its filter (then it is built again).
    The one who changes the filter becomes the one as whom the list is built."""
    changed = []
    if name is not None and name.strip() != the_list.name:
        the_list.name = _name_clean(actor, name, current=the_list)
        changed.append("name")
    if filters is not None:
        the_list.filters = _filters_clean(actor, the_list, filters)
        the_list.created_by = actor
        changed.append("filters")
    if not changed:
        return the_list
    # Named fields only: a build (workflows/building.py) writes the others meanwhile.
    the_list.save(update_fields=[*changed, *(["created_by"] if "filters" in changed else []), "updated_at"])
    _event(AuditEvent.Kind.LIST_CHANGED, actor, the_list, filters, changed=changed)
    if "filters" in changed and the_list.kind == List.Kind.ACTIVE:
        _build_after_commit(the_list)
    return the_list


@transaction.atomic
def list_delete(*, actor: User, the_list: List) -> None:
    _event(AuditEvent.Kind.LIST_DELETED, actor, the_list, None, name_length=len(the_list.name))
    the_list.delete()


def _visible(actor: User, the_list: List, records: Iterable[Record]) -> list:
    """The records' ids that the actor sees, of the list's type (others are ignored, as HubSpot
    ignores ids it can't add)."""
    ids = [record.pk for record in records]
    visible = record_selectors.record_list(actor=actor, object_type=the_list.object_type).filter(pk__in=ids)
    return list(visible.values_list("pk", flat=True))


def _static(the_list: List) -> None:
    if the_list.kind != List.Kind.STATIC:
        raise ValidationError({"listId": "The members of an active list are the records that meet its filter."})


def _count(the_list: List) -> None:
    the_list.member_count = the_list.memberships.count()
    List.objects.filter(pk=the_list.pk).update(member_count=the_list.member_count)


@transaction.atomic
def list_members_add(
    *, actor: User, the_list: List, records: Iterable[Record], source: str = ListMembership.Source.MANUAL
) -> list:
    """Adds the records to a static list; returns the ids of those that were not members yet."""
    _static(the_list)
    ids = _visible(actor, the_list, records)
    present = set(the_list.memberships.filter(record_id__in=ids).values_list("record_id", flat=True))
    added = [pk for pk in ids if pk not in present]
    ListMembership.objects.bulk_create(
        [ListMembership(list=the_list, record_id=pk, source=source) for pk in added], ignore_conflicts=True
    )
    _count(the_list)
    if added:
        transaction.on_commit(
            partial(
                list_members_added.send,
                sender=List,
                tenant_id=str(the_list.tenant_id),
                list_id=str(the_list.pk),
                record_ids=[str(pk) for pk in added],
            )
        )
    return added


@transaction.atomic
def list_members_remove(*, actor: User, the_list: List, records: Iterable[Record]) -> list:
    """Removes the records from a static list; returns the ids of those that were members."""
    _static(the_list)
    ids = _visible(actor, the_list, records)
    removed = list(the_list.memberships.filter(record_id__in=ids).values_list("record_id", flat=True))
    the_list.memberships.filter(record_id__in=removed).delete()
    _count(the_list)
    return removed
