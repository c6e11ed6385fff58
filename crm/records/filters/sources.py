"""Where each filter's property is answered: the pluggable part of the compiler.

A Source answers the conditions on one property, either as SQL (a Q on Record, with the aliases it
needs) or as record ids found in Python (sensitive values, through the choke point). The resolvers
here find the source of a record's own properties; crm/records/filters/resolvers.py asks each of
RESOLVERS in turn:

- built-in properties (hs_object_id, createdate, lastmodifieddate, hubspot_owner_id): SQL on columns;
- plain properties: SQL on the record's JSON (numbers by value, dates as ISO text in byte order,
  text without regard to case, words by a regular expression: see sensitive.conditions for the one
  definition of each operator, which the in-memory path applies to decrypted values);
- sensitive properties: sensitive.matching, by blind index or by decrypting in batches.

Filters on properties of associated records ("associations.companies.numberofemployees") are
crm/records/filters/associations.py: a Source over one of these.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Collate, Lower

from crm.models import ObjectType, PropertyDefinition
from sensitive import matching
from sensitive.conditions import BLIND_INDEX_OPERATORS, Condition, Operator, token_regex

Op = Operator
T = PropertyDefinition.DataType


class Source:
    """Answers the conditions on one property. `definition` gives its name, label and data type."""

    in_sql = True
    takes_query = False  # `ids` takes `among` as a QuerySet of record ids too

    def __init__(self, definition: PropertyDefinition) -> None:
        self.definition = definition

    def check(self, actor, *, reveal: bool) -> None:
        """Raises PermissionDenied (matching.FilterRefused) when the actor may not filter on it."""

    def sql(self, condition: Condition, key: str, *, actor=None) -> tuple[dict[str, Any], Q]:
        """(aliases to add to the query, the Q of records that meet the condition); `key` is unique
        to the filter, for its aliases; `actor` for the sources that depend on what it may see."""
        raise NotImplementedError

    def missing(self) -> Q:
        """Records without a value: they are among the answers to a negated condition."""
        raise NotImplementedError

    def cost(self, condition: Condition) -> int:
        """Order of the Python sources of a group: the cheapest narrows the candidates of the next."""
        return 0

    def ids(self, *, actor, condition: Condition, among: Collection[uuid.UUID] | None, reveal: bool, purpose: str):
        raise NotImplementedError


def _lookups(key: str, condition: Condition, convert: Callable[[Any], Any] = lambda value: value) -> Q:
    op, values = condition.operator, [convert(value) for value in condition.values]
    if op == Op.EQ:
        return Q(**{key: values[0]})
    if op == Op.IN:
        return Q(**{f"{key}__in": values})
    if op == Op.BETWEEN:
        return Q(**{f"{key}__gte": values[0], f"{key}__lte": values[1]})
    return Q(**{f"{key}__{op.value.lower()}": values[0]})  # LT, LTE, GT, GTE


class BuiltIn(Source):
    """A column of the record shown as a property (HubSpot's names)."""

    def __init__(self, definition: PropertyDefinition, field: str, nullable: bool = False) -> None:
        super().__init__(definition)
        self.field, self.nullable = field, nullable

    def sql(self, condition: Condition, key: str, *, actor=None) -> tuple[dict[str, Any], Q]:
        if condition.operator == Op.HAS_PROPERTY:  # a real condition even when always met: it may be negated
            return {}, Q(**{f"{self.field}__isnull": False}) if self.nullable else Q(pk__isnull=False)
        if self.definition.data_type == T.DATETIME:
            return {}, _lookups(self.field, condition, dt.datetime.fromisoformat)
        if condition.operator in BLIND_INDEX_OPERATORS:  # ids are whole: Django would round 2.5 to 2 for "="
            whole = tuple(value for value in condition.values if float(value).is_integer())
            if not whole:
                return {}, Q(pk__in=[])
            condition = Condition(condition.operator, whole)
            return {}, _lookups(self.field, condition, int)
        return {}, _lookups(self.field, condition)

    def missing(self) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if self.nullable else Q(pk__in=[])


def _built_in(name: str, label: str, data_type: str) -> PropertyDefinition:
    return PropertyDefinition(name=name, label=label, data_type=data_type)


BUILT_INS: dict[str, tuple[str, str, str, bool]] = {
    # name: (label, data type, field, nullable)
    "hs_object_id": ("Record ID", T.NUMBER, "number", False),
    "createdate": ("Create date", T.DATETIME, "created_at", False),
    "hs_createdate": ("Create date", T.DATETIME, "created_at", False),
    "lastmodifieddate": ("Last modified date", T.DATETIME, "updated_at", False),
    "hs_lastmodifieddate": ("Last modified date", T.DATETIME, "updated_at", False),
    "hubspot_owner_id": ("Owner", T.NUMBER, "owner__number", True),
}


class PlainProperty(Source):
    """A non-sensitive property, in the record's JSON. KeyTransform objects rather than
    "properties__<name>" lookups: a property may be named like a lookup ("contains")."""

    def sql(self, condition: Condition, key: str, *, actor=None) -> tuple[dict[str, Any], Q]:
        name, data_type, op = self.definition.name, self.definition.data_type, condition.operator
        text = KeyTextTransform(name, "properties")
        if op == Op.HAS_PROPERTY:
            return {}, Q(properties__has_key=name)
        if op == Op.CONTAINS_TOKEN:
            return {key: text}, Q(**{f"{key}__iregex": token_regex(condition.values[0])})
        if data_type == T.STRING:  # EQ, IN
            return {key: Lower(text)}, _lookups(key, condition, str.lower)
        if data_type in (T.DATE, T.DATETIME):
            # ISO text in byte order (PostgreSQL's default collation may skip the punctuation); the
            # collation also keeps Django's lookups on JSON keys from reading the values as JSON.
            collation = "C" if connection.vendor == "postgresql" else "BINARY"
            return {key: Collate(text, collation)}, _lookups(key, condition)
        return {key: KeyTransform(name, "properties")}, _lookups(key, condition)  # JSON: numbers by value

    def missing(self) -> Q:
        return ~Q(properties__has_key=self.definition.name)


class SensitiveProperty(Source):
    """A sensitive property: answered by the choke point, which checks, decrypts and audits."""

    in_sql = False
    takes_query = True

    def check(self, actor, *, reveal: bool) -> None:
        matching.filter_check(actor, self.definition, reveal=reveal)

    def cost(self, condition: Condition) -> int:
        if self.definition.searchable and condition.operator in BLIND_INDEX_OPERATORS:
            return 0
        return 1 if condition.operator == Op.HAS_PROPERTY else 2

    def ids(self, *, actor, condition: Condition, among, reveal: bool, purpose: str) -> list[uuid.UUID]:
        return matching.record_ids_where(
            actor=actor, definition=self.definition, condition=condition, among=among, reveal=reveal, purpose=purpose
        )


Resolver = Callable[[ObjectType, dict[str, PropertyDefinition], str], Source | None]


def built_in_source(object_type: ObjectType, definitions: dict[str, PropertyDefinition], name: str) -> Source | None:
    if name not in BUILT_INS:
        return None
    label, data_type, field, nullable = BUILT_INS[name]
    return BuiltIn(_built_in(name, label, data_type), field, nullable)


def property_source(object_type: ObjectType, definitions: dict[str, PropertyDefinition], name: str) -> Source | None:
    definition = definitions.get(name)
    if definition is None:
        return None
    return SensitiveProperty(definition) if definition.is_sensitive else PlainProperty(definition)


# A record's own properties; built-ins first: HubSpot's names mean the record's own columns,
# whatever a property is called.
OWN_RESOLVERS: tuple[Resolver, ...] = (built_in_source, property_source)


def own_source_for(object_type: ObjectType, definitions: dict[str, PropertyDefinition], name: str) -> Source | None:
    for resolve in OWN_RESOLVERS:
        source = resolve(object_type, definitions, name)
        if source is not None:
            return source
    return None
