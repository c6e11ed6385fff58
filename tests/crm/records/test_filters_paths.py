"""The three paths of the filter compiler give the same answers (a Hypothesis property test).

The same values are stored in a plain property (answered in SQL), a sensitive searchable copy
(blind index for EQ and IN, decryption for the rest) and a sensitive copy without an index (all
decrypted in memory); random queries over them must find the same records. A fourth run mixes the
copies filter by filter, so that SQL narrows the candidates of the decrypting filters.

Text values are ASCII words with single spaces: beyond that, SQL's case folding and the in-memory
one differ by design (see sensitive/conditions.py).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import PropertyDefinition
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from crm.records.filters import Filter, FilterQuery, Operator
from crm.records.filters.operators import OPERATORS
from tests.factories import make_property

pytestmark = pytest.mark.django_db

S = PropertyDefinition.Sensitivity
T = PropertyDefinition.DataType
COPIES = {
    "plain": {},
    "indexed": {"sensitivity": S.SENSITIVE, "searchable": True},
    "decrypted": {"sensitivity": S.SENSITIVE},
}
OPTIONS = [{"value": v, "label": v.upper()} for v in ("x", "y", "z")]
STORED = {
    T.STRING: [
        "Ada Lovelace",
        "ada",
        "grace, hopper.",
        "x@hubspot.com",
        "Hub spot",
        "a.b c",
        "ADA LOVELACE",
        "lovelace",
        "hopper grace",
        "(ada) z!",
    ],
    T.NUMBER: [-3, 0, 1, 2.5, 10, 1_000_000, 0.1, -0.5],
    T.DATE: ["1999-12-31", "2024-01-31", "2024-02-01", "2025-06-01"],
    T.DATETIME: [
        "2024-01-31T10:00:00Z",
        "2024-01-31T10:00:00.500Z",
        "2024-01-31T09:59:59.999999Z",
        "2030-05-05T00:00:00Z",
    ],
    T.BOOL: [True, False],
    T.ENUMERATION: ["x", "y", "z"],
}
# What filters compare with: the stored values, their neighbours and other forms of them.
ASKED = {
    T.STRING: [*STORED[T.STRING], "ada lovelace", "hopper", "nobody", "LOVELACE"],
    T.NUMBER: [*STORED[T.NUMBER], -1, 5, 2.4999, "10", "2.5"],
    T.DATE: [*STORED[T.DATE], "2024-01-30", "2030-01-01", "1706659200000"],
    T.DATETIME: [*STORED[T.DATETIME], "2024-01-31T10:00:00.4Z", "2024-01-31", "1706695200000"],
    T.BOOL: [True, False, "true", "no"],
    T.ENUMERATION: ["x", "y", "z", "Z"],
}
PATTERNS = [
    "ada",
    "a*",
    "*ce",
    "*@hubspot.com",
    "hop*er",
    "grace hopper",
    "*",
    "lovelace.",
    "hub*",
    "x*m",
    "z",
    "*a* b*",
]
TYPES = list(STORED)


@pytest.fixture
def dataset(tenant_a_admin, contacts_a):
    """30 contacts holding random values (seeded, some missing) in all three copies of each type."""
    for data_type in TYPES:
        for copy, options in COPIES.items():
            extra = {"options": OPTIONS} if data_type == T.ENUMERATION else {}
            make_property(tenant_a_admin, contacts_a, f"{copy}_{data_type}", data_type=data_type, **options, **extra)
    chance = random.Random(14)
    rows = []
    for n in range(30):
        row = {"firstname": f"R{n}"}
        for data_type in TYPES:
            if chance.random() < 0.8:
                value = chance.choice(STORED[data_type])
                row.update({f"{copy}_{data_type}": value for copy in COPIES})
        rows.append(row)
    record_services.records_bulk_create(actor=tenant_a_admin, object_type=contacts_a, rows=rows)
    return tenant_a_admin, contacts_a


@st.composite
def filters(draw):
    """(data type, operator, value, values, high value) valid for the type."""
    data_type = draw(st.sampled_from(TYPES))
    operator = draw(st.sampled_from(sorted(OPERATORS[data_type])))
    asked = st.sampled_from(ASKED[data_type])
    value = values = high = None
    if operator in (Operator.IN, Operator.NOT_IN):
        values = tuple(draw(st.lists(asked, min_size=1, max_size=3)))
    elif operator in (Operator.CONTAINS_TOKEN, Operator.NOT_CONTAINS_TOKEN):
        value = draw(st.sampled_from(PATTERNS))
    elif operator not in (Operator.HAS_PROPERTY, Operator.NOT_HAS_PROPERTY):
        value = draw(asked)
        high = draw(asked) if operator == Operator.BETWEEN else None
    return data_type, operator, value, values or (), high


queries = st.lists(st.lists(filters(), min_size=1, max_size=3), min_size=1, max_size=2)


def _query(groups, copy_of) -> FilterQuery:
    return FilterQuery(
        tuple(
            tuple(
                Filter(f"{copy_of(g, i)}_{data_type}", operator, value=value, values=values, high_value=high)
                for i, (data_type, operator, value, values, high) in enumerate(group)
            )
            for g, group in enumerate(groups)
        )
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=queries, mix=st.randoms(use_true_random=False))
def test_sql_blind_index_and_in_memory_paths_find_the_same_records(dataset, groups, mix):
    admin, contacts = dataset
    mixed = {(g, i): mix.choice(list(COPIES)) for g, group in enumerate(groups) for i in range(len(group))}

    numbers = sorted(contacts.records.values_list("number", flat=True))
    middle = (numbers[len(numbers) // 4], numbers[3 * len(numbers) // 4])  # a list build's chunk

    def found(copy_of, numbers=None) -> set:
        query = _query(groups, copy_of)
        records = record_selectors.record_list(actor=admin, object_type=contacts, filters=query, numbers=numbers)
        return set(records.values_list("pk", flat=True))

    answers = {copy: found(lambda g, i, copy=copy: copy) for copy in COPIES}
    answers["mixed"] = found(lambda g, i: mixed[(g, i)])
    chunk = {copy: found(lambda g, i, copy=copy: copy, middle) for copy in COPIES}

    assert answers["indexed"] == answers["plain"]
    assert answers["decrypted"] == answers["plain"]
    assert answers["mixed"] == answers["plain"]
    # narrowed to a range of numbers, the sensitive filters read the candidates' values by a join
    in_middle = set(contacts.records.filter(number__range=middle).values_list("pk", flat=True))
    assert chunk["indexed"] == chunk["decrypted"] == chunk["plain"] == answers["plain"] & in_middle
