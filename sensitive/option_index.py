"""What a blind index tells of a sensitive enumeration without decrypting: every stored value is
one of its options, so where the options' indexes differ, an index names its option. Used by the
choke point's filters (matching.py) and counts (aggregates.py); reads no stored value itself."""

from __future__ import annotations

from crm.models import PropertyDefinition
from sensitive import crypto
from sensitive.conditions import Condition


def option_indexes(tenant_keys, definition: PropertyDefinition) -> dict[int, str] | None:
    """{blind index: option} of a searchable enumeration, under every key of the PRF keyset; None
    when two options share an index. Every stored value of a sensitive enumeration is one of its
    options (validated when written; an option can't be removed while held, on a sensitive property
    not at all), so where the options' indexes differ, a value's index names it."""
    if definition.data_type != PropertyDefinition.DataType.ENUMERATION or not definition.searchable:
        return None
    option_of: dict[int, str] = {}
    for option in definition.option_values:
        for index in crypto.blind_index_candidates(tenant_keys, definition.id, option):
            if option_of.setdefault(index, option) != option:
                return None
    return option_of


def index_is_exact(definition: PropertyDefinition, tenant_keys, indexes: set[int], condition: Condition) -> bool:
    """Whether the blind index alone answers an EQ or IN: every option it matches is a wanted one."""
    option_of = option_indexes(tenant_keys, definition)
    if option_of is None:
        return False
    wanted = {crypto.normalise(value) for value in condition.values}
    return all(crypto.normalise(option_of[index]) in wanted for index in indexes if index in option_of)
