"""The resolvers of property names that the compiler asks in turn: a record's own properties, then
those of associated records."""

from __future__ import annotations

from crm.models import ObjectType, PropertyDefinition
from crm.records.filters.associations import associated_source
from crm.records.filters.sources import OWN_RESOLVERS, Resolver, Source

RESOLVERS: list[Resolver] = [*OWN_RESOLVERS, associated_source]


def source_for(object_type: ObjectType, definitions: dict[str, PropertyDefinition], name: str) -> Source | None:
    """The source of a filter's property; None for an unknown name, ValidationError for an
    association filter naming no type or property."""
    for resolve in RESOLVERS:
        source = resolve(object_type, definitions, name)
        if source is not None:
            return source
    return None
