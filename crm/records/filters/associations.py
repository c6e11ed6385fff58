"""Filters on properties of associated records: "contacts whose company has more than 500 employees".

The property name is `associations.<object type>.<property>`, the object type by name or type id:
"associations.companies.numberofemployees", "associations.0-2.numberofemployees",
"associations.contacts.diagnosis". Internal names are lower-case letters, digits and underscores,
so a name with dots cannot be a real property's. HubSpot's search has no such filter: this is our
extension (HubSpot's lists have association filters, and their meaning is the one below).

A record meets a filter over an association when at least one associated record meets it: linked
in either direction, of that type, not archived and within the actor's record scope (the others
count as if they did not exist, as in crm/records/associations.py). The operator's condition is
compiled as a filter on the other type, so it has the same three paths: SQL (a subquery over the
associations to the records that meet it), the blind index and decryption (the choke point finds
the ids on the other type, among the records linked to the candidates; they are mapped back
through the associations). The permission is the other property's: its view permission, a reveal
for a highly sensitive one, each decrypting evaluation audited naming the associated records.

Negated operators (NEQ, NOT_IN, NOT_HAS_PROPERTY, NOT_CONTAINS_TOKEN) are the complement of the
positive, as on a record's own properties and as HubSpot's lists read "is none of" over an
association: "associations.companies.industry NEQ health" is the records with NO associated company
in health, records without any company included; NOT_HAS_PROPERTY: no associated record holds a
value. ("Some associated company is outside health" is a positive filter: IN the other options.)
Filters over an association of an association are not taken.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from crm.models import Association, ObjectType, PropertyDefinition, Record
from crm.records.filters.idlists import PkIn
from crm.records.filters.query import FilterQuery
from crm.records.filters.sources import Source, own_source_for
from crm.records.visibility import visibility_of
from crm.selectors import property_definitions_by_name
from sensitive.conditions import Condition

PREFIX = "associations."
FORM = "associations.<object type>.<property>, e.g. associations.companies.numberofemployees"


def _object_type(tenant_id, text: str) -> ObjectType | None:
    text = text.strip().lower()
    types = ObjectType.objects.for_tenant(tenant_id).filter(archived_at__isnull=True)
    return types.filter(type_id=text).first() if text[:2] in ("0-", "2-") else types.filter(name=text).first()


def associated_type_of(tenant_id, name: str) -> tuple[ObjectType, str] | None:
    """(the other type, its property's name) of an association filter's name; None for another
    name; ValidationError for one that starts like it and names no type."""
    if not name.startswith(PREFIX):
        return None
    type_text, dot, property_name = name[len(PREFIX) :].partition(".")
    if not dot or not type_text.strip() or not property_name:
        raise ValidationError(f"A filter on associated records is named {FORM}.")
    other = _object_type(tenant_id, type_text)
    if other is None:
        raise ValidationError(f"There is no object type {type_text[:63]!r} to filter associated records by.")
    return other, property_name


def associated_types(*, object_type: ObjectType, query: FilterQuery) -> list[ObjectType]:
    """The other object types a query filters through (for the API's scope check); ValidationError
    keyed by the filter for a name that names no type."""
    found, errors = {}, {}
    for f in query.filters:
        try:
            pair = associated_type_of(object_type.tenant_id, f.property_name)
        except ValidationError as exc:
            errors.setdefault(f.label, []).extend(exc.messages)
            continue
        if pair is not None:
            found[pair[0].pk] = pair[0]
    if errors:
        raise ValidationError(errors)
    return list(found.values())


def _linked_to(records) -> Q:
    """Records linked, in either direction, to `records` (a subquery of Record). Uncorrelated
    subqueries, which PostgreSQL hashes once, where a correlated Exists() could run once per
    record when the planner's statistics are stale."""
    return Q(pk__in=Association.objects.filter(to_record__in=records).values("from_record")) | Q(
        pk__in=Association.objects.filter(from_record__in=records).values("to_record")
    )


class Associated(Source):
    """A condition on `inner`, a property of `other`, met by at least one associated record."""

    def __init__(self, object_type: ObjectType, other: ObjectType, inner: Source) -> None:
        super().__init__(inner.definition)
        self.object_type, self.other, self.inner = object_type, other, inner
        self.in_sql = inner.in_sql

    def check(self, actor, *, reveal: bool) -> None:
        self.inner.check(actor, reveal=reveal)

    def cost(self, condition: Condition) -> int:
        return self.inner.cost(condition)

    def _others(self, actor) -> QuerySet[Record]:
        """The records of the other type that count: visible to the actor, not archived."""
        return (
            Record.objects.for_tenant(self.other.tenant_id)
            .filter(object_type=self.other, archived_at__isnull=True)
            .filter(visibility_of(actor).q(self.other.pk))
        )

    def sql(self, condition: Condition, key: str, *, actor=None) -> tuple[dict[str, Any], Q]:
        aliases, q = self.inner.sql(condition, key, actor=actor)
        return {}, _linked_to(self._others(actor).alias(**aliases).filter(q).values("pk"))

    def missing(self) -> Q:
        return Q(pk__in=[])  # the complement of "some associated record meets it" holds the unlinked already

    def ids(self, *, actor, condition: Condition, among: Collection[uuid.UUID] | None, reveal: bool, purpose: str):
        ours = Record.objects.for_tenant(self.object_type.tenant_id).filter(object_type=self.object_type)
        if among is not None:
            if not among:
                return []
            ours = ours.filter(PkIn(among))
        candidates = list(self._others(actor).filter(_linked_to(ours.values("pk"))).values_list("pk", flat=True))
        found = self.inner.ids(actor=actor, condition=condition, among=candidates, reveal=reveal, purpose=purpose)
        if not found:
            return []
        links = Association.objects.for_tenant(self.object_type.tenant_id)
        forward = links.filter(PkIn(found, "from_record_id"), to_record__object_type=self.object_type)
        backward = links.filter(PkIn(found, "to_record_id"), from_record__object_type=self.object_type)
        mapped = {*forward.values_list("to_record_id", flat=True), *backward.values_list("from_record_id", flat=True)}
        return list(mapped if among is None else mapped.intersection(among))


def associated_source(object_type: ObjectType, definitions: dict[str, PropertyDefinition], name: str) -> Source | None:
    pair = associated_type_of(object_type.tenant_id, name)
    if pair is None:
        return None
    other, property_name = pair
    other_definitions = definitions if other.pk == object_type.pk else property_definitions_by_name(object_type=other)
    inner = own_source_for(other, other_definitions, property_name)
    if inner is None:
        raise ValidationError(f"{other.label_plural} have no property named {property_name[:63]!r}.")
    return Associated(object_type, other, inner)
