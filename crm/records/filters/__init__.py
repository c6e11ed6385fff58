"""The one filter compiler of records, for every surface: the staff UI's index filters
(crm.records.selectors.record_list), the REST API's search (record_search) and, next, lists.

A query is HubSpot's: OR of AND groups of (property, operator, value | values | highValue), with
the operators EQ NEQ LT LTE GT GTE BETWEEN IN NOT_IN HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN
NOT_CONTAINS_TOKEN (sensitive/conditions.py defines each). Three ways to an answer:

- SQL on the record for built-in and non-sensitive properties (sources.py);
- the blind index for EQ and IN on searchable sensitive properties, candidates confirmed by decrypting
  (not needed on an enumeration whose options the index tells apart);
- decryption in batches for every other operator on sensitive properties, after SQL has narrowed
  the candidates (compiler.py).

A filter on a sensitive property needs the view permission (an app's read scope of the tier), and
on a highly sensitive one it is a reveal (`reveal`: the staff UI after sudo mode, the API with the
highly sensitive read scope). Each decrypting evaluation is audited by the choke point.

The search (crm.records.filters.search: total, sorts, offset pages) builds on record_list; it is
not imported here, since record_list imports this package.

Properties are resolved to their evaluation in sources.py (a record's own) and associations.py
(properties of associated records: "associations.companies.numberofemployees", our extension).
"""

from crm.records.filters.associations import associated_types
from crm.records.filters.compiler import records_filtered
from crm.records.filters.operators import filter_clean
from crm.records.filters.query import Filter, FilterQuery, query_of_equalities, query_parse
from sensitive.conditions import Operator
from sensitive.matching import FilterRefused, RevealRequired

__all__ = [
    "Filter",
    "FilterQuery",
    "FilterRefused",
    "Operator",
    "RevealRequired",
    "associated_types",
    "filter_clean",
    "query_of_equalities",
    "query_parse",
    "records_filtered",
]
