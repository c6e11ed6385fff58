"""The filter operators and what each means: one definition for plain and decrypted values.

The record layer's filter compiler (crm/records/filters/) answers plain properties in SQL and
sensitive ones through sensitive.matching, which applies `predicate` to decrypted values; the SQL
gives the same answers (tests/crm/records/test_filters_paths.py holds it):

- EQ and IN compare as the blind index does (crypto.normalise): text without regard to case,
  Unicode compatibility forms and runs of spaces; numbers by value (1 == 1.0).
- LT, LTE, GT, GTE and BETWEEN (both ends included) order numbers by value, dates and datetimes by
  their ISO text (stored in UTC, so that text order is time order).
- HAS_PROPERTY: the record holds a value (empty values are not stored).
- CONTAINS_TOKEN: one word of the value, or a run of words, equals the pattern's, without regard to
  case; `*` in a word stands for any characters. Words are separated by spaces and , ; : ! ? " '
  ( ) { } < >, and lose their trailing dots: "*@hubspot.com" matches "ada@hubspot.com", "world"
  matches "Hello, world.". `token_regex` says the same to SQL.
- NEQ, NOT_IN, NOT_HAS_PROPERTY and NOT_CONTAINS_TOKEN are answered as "every record but those that
  meet the positive operator" (NEGATIONS), so that records without a value are among them, as in
  HubSpot's search. Only positive operators make a Condition.

SQL folds case as the database does (PostgreSQL's lower(), SQLite's ASCII-only LIKE and regular
expressions) and does not collapse runs of spaces: on text beyond ASCII words with single spaces,
the plain and the sensitive copy of a value may answer differently.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm.models import PropertyDefinition
from sensitive import crypto

T = PropertyDefinition.DataType


class Operator(enum.StrEnum):
    EQ = "EQ"
    NEQ = "NEQ"
    LT = "LT"
    LTE = "LTE"
    GT = "GT"
    GTE = "GTE"
    BETWEEN = "BETWEEN"
    IN = "IN"
    NOT_IN = "NOT_IN"
    HAS_PROPERTY = "HAS_PROPERTY"
    NOT_HAS_PROPERTY = "NOT_HAS_PROPERTY"
    CONTAINS_TOKEN = "CONTAINS_TOKEN"  # noqa: S105 -- an operator, not a password
    NOT_CONTAINS_TOKEN = "NOT_CONTAINS_TOKEN"  # noqa: S105


Op = Operator
# Each negation is answered as the records that do not match its positive operator.
NEGATIONS = {
    Op.NEQ: Op.EQ,
    Op.NOT_IN: Op.IN,
    Op.NOT_HAS_PROPERTY: Op.HAS_PROPERTY,
    Op.NOT_CONTAINS_TOKEN: Op.CONTAINS_TOKEN,
}
RANGES = (Op.LT, Op.LTE, Op.GT, Op.GTE, Op.BETWEEN)
BLIND_INDEX_OPERATORS = (Op.EQ, Op.IN)


@dataclass(frozen=True, repr=False)
class Condition:
    """A positive operator with its values, cleaned to the stored form of the property's type.

    `values`: EQ and the ranges (v,), BETWEEN (low, high), IN the set, CONTAINS_TOKEN (pattern,),
    HAS_PROPERTY (). Its repr never shows the values.
    """

    operator: Operator
    values: tuple = ()

    def __repr__(self) -> str:
        return f"Condition({self.operator.value})"


# --- the operators on plain values ---------------------------------------------------------------

SEPARATORS = "\\s,;:!?\"'(){}<>"  # a regex character class body, read alike by Python and PostgreSQL
_SPLIT = re.compile(f"[{SEPARATORS}]+")


def words_of(text: str) -> list[str]:
    """The words CONTAINS_TOKEN matches against, lower-cased, without trailing dots."""
    return [word.rstrip(".").lower() for word in _SPLIT.split(text)]


def pattern_words(pattern: str) -> list[str]:
    """The words of a CONTAINS_TOKEN pattern; a word that is all dots has none and is left out."""
    return [word for word in words_of(pattern.strip()) if word]


def _glob(pattern: str, word: str) -> bool:
    """`*` for any characters, in time linear in the word for each star (no regex backtracking)."""
    if "*" not in pattern:
        return pattern == word
    p = w = 0
    star, mark = -1, 0
    while w < len(word):
        if p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, w, p + 1
        elif p < len(pattern) and pattern[p] == word[w]:
            p, w = p + 1, w + 1
        elif star >= 0:
            mark += 1
            p, w = star + 1, mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])


def token_matcher(pattern: str) -> Callable[[str], bool]:
    wanted = pattern_words(pattern)
    size = len(wanted)

    def matches(text: str) -> bool:
        words = words_of(text)
        return any(
            all(_glob(p, w) for p, w in zip(wanted, words[start : start + size], strict=True))
            for start in range(len(words) - size + 1)
        )

    return matches


def token_regex(pattern: str) -> str:
    """CONTAINS_TOKEN as a case-insensitive regular expression that Python's re (SQLite) and
    PostgreSQL read alike, for the SQL path: the same words, separators and trailing dots."""
    word, separator = f"[^{SEPARATORS}]", f"[{SEPARATORS}]"

    def piece(text: str) -> str:
        return "".join(f"{word}*" if c == "*" else c if c.isalnum() else "\\" + c for c in text)

    body = f"\\.*{separator}+".join(piece(p) for p in pattern_words(pattern))
    return f"(^|{separator}){body}\\.*({separator}|$)"


def _order_key(data_type: str) -> Callable[[Any], Any]:
    if data_type == T.NUMBER:
        return lambda value: None if isinstance(value, bool) or not isinstance(value, int | float) else value
    return lambda value: value if isinstance(value, str) else None  # dates and datetimes: ISO text, in UTC


def predicate(data_type: str, condition: Condition) -> Callable[[Any], bool]:
    """Whether a value (None: no value) meets the condition; the operators' one definition."""
    op, values = condition.operator, condition.values
    if op == Op.HAS_PROPERTY:
        return lambda value: value is not None and value != ""
    if op == Op.CONTAINS_TOKEN:
        matches = token_matcher(values[0])
        return lambda value: isinstance(value, str) and matches(value)
    if op in (Op.EQ, Op.IN):
        wanted = {crypto.normalise(v) for v in values}
        return lambda value: value is not None and crypto.normalise(value) in wanted
    key = _order_key(data_type)
    bounds = [key(v) for v in values]

    def within(value: Any) -> bool:
        found = None if value is None else key(value)
        if found is None:
            return False
        if op == Op.LT:
            return found < bounds[0]
        if op == Op.LTE:
            return found <= bounds[0]
        if op == Op.GT:
            return found > bounds[0]
        if op == Op.GTE:
            return found >= bounds[0]
        return bounds[0] <= found <= bounds[1]  # BETWEEN

    return within
