"""The filter compiler: a FilterQuery on records of one type, as one QuerySet.

Each group (an AND) is answered in three steps: the filters SQL can answer (built-in and plain
properties, crm/records/filters/sources.py) make one Q; when there are others (sensitive
properties), those narrow the candidates first, and the sensitive filters run on what is left, the
cheapest first (blind index, then whether a value is held, then decryption), each on the survivors
of the one before. Groups are OR'ed in SQL; record ids found in Python travel as one parameter.

Every property is checked before anything is evaluated: a refused query decrypts nothing and
writes no audit event.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from crm.models import ObjectType, PropertyDefinition, Record
from crm.records.filters.idlists import PkIn
from crm.records.filters.operators import Term, term_of
from crm.records.filters.query import FilterQuery
from crm.records.filters.resolvers import source_for
from crm.records.filters.sources import Source

NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)  # an empty Q() would drop out of an OR instead of matching every record


def terms_of(
    *, object_type: ObjectType, definitions: dict[str, PropertyDefinition], query: FilterQuery
) -> list[list[tuple[Term, Source]]]:
    """Each filter with its source, groups kept; one ValidationError for all bad filters."""
    groups, errors = [], {}
    for group in query.groups:
        terms = []
        for f in group:
            try:
                source = source_for(object_type, definitions, f.property_name)
            except ValidationError as exc:  # a name a resolver knows, but which names nothing
                errors.setdefault(f.label, []).extend(exc.messages)
                continue
            if source is None:
                errors[f.label] = [f"{object_type.label_plural} have no property named {f.property_name[:63]!r}."]
                continue
            try:
                terms.append((term_of(f, source.definition), source))
            except ValidationError as exc:
                for where, messages in exc.message_dict.items():
                    errors.setdefault(where, []).extend(messages)
        groups.append(terms)
    if errors:
        raise ValidationError(errors)
    return groups


def records_filtered(
    *,
    actor,
    records: QuerySet[Record],
    object_type: ObjectType,
    definitions: dict[str, PropertyDefinition],
    query: FilterQuery,
    reveal: bool = False,
    purpose: str = "filter",
    narrowed: bool = False,
) -> QuerySet[Record]:
    """`records` (of `object_type`, already scoped to the actor) that meet `query`.

    `narrowed` says that `records` holds fewer than all records of the type (a record scope, a
    search text): then sensitive filters run on those only, and the audit names none outside them.
    Raises ValidationError for bad filters and matching.FilterRefused (a PermissionDenied) for a
    property the actor may not filter on, before evaluating anything.
    """
    if not query:
        return records
    groups = terms_of(object_type=object_type, definitions=definitions, query=query)
    for _, source in (pair for group in groups for pair in group):
        source.check(actor, reveal=reveal)
    aliases, plans = {}, []
    for g, group in enumerate(groups):
        sql, python = Q(), []
        for i, (term, source) in enumerate(group):
            if not source.in_sql:
                python.append((term, source))
                continue
            expressions, q = source.sql(term.condition, f"_filter_{g}_{i}", actor=actor)
            aliases.update(expressions)
            sql &= (~q | source.missing()) if term.negated else q
        plans.append((sql, python))
    records = records.alias(**aliases)
    answer = None
    for sql, python in plans:
        q = (_python_terms(actor, records, sql, python, reveal, purpose, narrowed) if python else sql) or EVERYTHING
        answer = q if answer is None else answer | q
    return records.filter(answer)


def _python_terms(actor, records, sql: Q, python, reveal: bool, purpose: str, narrowed: bool) -> Q:
    """One group's filters that Python answers, on the records its SQL filters leave. The first
    one that takes a query (a sensitive property: the choke point joins on it) gets the SQL's
    candidates as a query, not as ids fetched first; the others get the ids left so far."""
    include: QuerySet | list[uuid.UUID] | None = None  # None: every record of `records`
    if narrowed or sql:
        include = records.filter(sql).order_by().values_list("pk", flat=True)
    exclude: set[uuid.UUID] = set()
    for term, source in sorted(python, key=lambda pair: pair[1].cost(pair[0].condition)):
        if isinstance(include, QuerySet) and not source.takes_query:
            include = list(include)
        if include is not None and not isinstance(include, QuerySet) and not include:
            return NOTHING
        found = source.ids(actor=actor, condition=term.condition, among=include, reveal=reveal, purpose=purpose)
        if not term.negated:
            include = [pk for pk in found if pk not in exclude]
            exclude = set()
        elif include is None:
            exclude.update(found)
        else:
            found = set(found)
            include = [pk for pk in include if pk not in found]
    q = sql
    if include is not None:
        q &= Q(PkIn(include))
    if exclude:
        q &= ~Q(PkIn(exclude))
    return q
