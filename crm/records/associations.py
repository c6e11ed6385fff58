"""Associations between records, read and changed for an actor: the links of a record to one object
type page by page, the labels between two records, linking with labels and unlinking.

A link is found in either direction (A → B or B → A, each with a label, "" for none). Links to
records outside the actor's tenant or record scope, and to archived records, are left out, as if
they did not exist. The
REST API (crm/api/associations.py) maps these labels onto HubSpot's association types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from crm.models import Association, ObjectType, Record
from crm.records import services
from crm.records.visibility import visibility_of
from crm.tenancy import check_same_tenant, tenant_of


@dataclass(frozen=True)
class Linked:
    """One associated record, by its numeric id, with the labels of its links ("" for the unlabeled one)."""

    number: int
    labels: frozenset[str]


def _between(record: Record, others) -> Q:
    """Links between `record` and `others` (records or a subquery of their ids), either direction."""
    return Q(from_record=record, to_record__in=others) | Q(to_record=record, from_record__in=others)


def _check(actor: User, *records: Record) -> None:
    tenant_of(actor)
    check_same_tenant(actor, *records)
    visibility = visibility_of(actor)
    if not all(visibility.allows(record) for record in records):
        raise Record.DoesNotExist("No such record.")


def associated_page(
    *, actor: User, record: Record, to_type: ObjectType, after: int | None = None, limit: int = 500
) -> tuple[list[Linked], bool]:
    """The records of `to_type` linked to `record` that the actor sees, by number, after `after`:
    (up to `limit` of them, whether there are more)."""
    _check(actor, record)
    check_same_tenant(actor, to_type)
    linked = Q(pk__in=Association.objects.filter(from_record=record).values("to_record")) | Q(
        pk__in=Association.objects.filter(to_record=record).values("from_record")
    )
    others = (
        Record.objects.for_tenant(actor.tenant_id)
        .filter(object_type=to_type, archived_at__isnull=True)
        .filter(linked)
        .filter(visibility_of(actor).q(to_type.pk))
    )
    if after is not None:
        others = others.filter(number__gt=after)
    page = list(others.order_by("number").values_list("pk", "number")[: limit + 1])
    more, page = len(page) > limit, page[:limit]
    labels: dict = {pk: set() for pk, _ in page}
    rows = Association.objects.filter(_between(record, list(labels))).values_list("from_record", "to_record", "label")
    for from_id, to_id, label in rows:
        labels[to_id if from_id == record.pk else from_id].add(label)
    return [Linked(number, frozenset(labels[pk] | {""})) for pk, number in page], more


def associated_pages(
    *,
    actor: User,
    from_type: ObjectType,
    numbers: Sequence[int],
    to_type: ObjectType,
    after: Mapping[int, int | None] | None = None,
    limit: int = 500,
) -> dict[int, tuple[list[Linked], bool]]:
    """associated_page for many records of `from_type` by number, in three queries whatever their count:
    {number: (page, more)} for each number the actor sees (missing, foreign and hidden ones are left out).

    Each record's links are read whole (ids and labels only) and paged here: a batch of 1,000 records
    costs three queries, not three thousand; a record with very many links is better paged with
    associated_page, which pages in SQL.
    """
    tenant_of(actor)
    check_same_tenant(actor, from_type, to_type)
    after = after or {}
    found = dict(
        Record.objects.for_tenant(actor.tenant_id)
        .filter(object_type=from_type, number__in=set(numbers), archived_at__isnull=True)
        .filter(visibility_of(actor).q(from_type.pk))
        .values_list("pk", "number")
    )
    visible = (
        Record.objects.for_tenant(actor.tenant_id)
        .filter(object_type=to_type, archived_at__isnull=True)
        .filter(visibility_of(actor).q(to_type.pk))
        .values("pk")
    )
    links: dict = {pk: {} for pk in found}
    forward = Association.objects.filter(from_record__in=list(found), to_record__in=visible).values_list(
        "from_record", "to_record__number", "label"
    )
    backward = Association.objects.filter(to_record__in=list(found), from_record__in=visible).values_list(
        "to_record", "from_record__number", "label"
    )
    for rows in (forward, backward):
        for pk, other_number, label in rows:
            links[pk].setdefault(other_number, {""}).add(label)
    pages = {}
    for pk, number in found.items():
        start = after.get(number)
        ordered = [n for n in sorted(links[pk]) if start is None or n > start]
        pages[number] = ([Linked(n, frozenset(links[pk][n])) for n in ordered[:limit]], len(ordered) > limit)
    return pages


def association_labels(*, actor: User, record: Record, other: Record) -> set[str]:
    """The labels of the links between two records the actor sees ("" for the unlabeled one)."""
    _check(actor, record, other)
    rows = Association.objects.filter(_between(record, [other.pk])).values_list("label", flat=True)
    return set(rows)


def association_labels_in_use(*, actor: User, from_type: ObjectType, to_type: ObjectType) -> list[str]:
    """The labels the tenant's links between two object types carry, either direction, sorted."""
    tenant_of(actor)
    check_same_tenant(actor, from_type, to_type)
    links = Association.objects.for_tenant(actor.tenant_id).exclude(label="")
    pairs = Q(from_record__object_type=from_type, to_record__object_type=to_type) | Q(
        from_record__object_type=to_type, to_record__object_type=from_type
    )
    return sorted(set(links.filter(pairs).values_list("label", flat=True)))


@transaction.atomic
def association_link(*, actor: User, record: Record, other: Record, labels: Iterable[str] = ()) -> set[str]:
    """Link two records with the unlabeled link and each of `labels` (those already there stay, none is
    doubled); returns every label between them now."""
    _check(actor, record, other)
    for label in ["", *labels]:
        services.association_create(actor=actor, from_record=record, to_record=other, label=label)
    return association_labels(actor=actor, record=record, other=other)


@transaction.atomic
def association_unlink(*, actor: User, record: Record, other: Record, labels: Sequence[str] | None = None) -> int:
    """Remove the links between two records, either direction: all of them, or those of `labels`.
    Returns how many were removed."""
    _check(actor, record, other)
    links = Association.objects.for_tenant(actor.tenant_id).filter(_between(record, [other.pk]))
    if labels is not None:
        links = links.filter(label__in=list(labels))
    removed = 0
    for association in links.select_for_update():
        services.association_delete(actor=actor, association=association)
        removed += 1
    return removed
