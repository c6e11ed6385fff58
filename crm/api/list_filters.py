"""HubSpot's list `filterBranch` as our filterGroups, for the part both say alike.

Taken: an OR branch of AND branches of PROPERTY filters (the shape HubSpot's own list builder
saves), with the operations NUMBER, NUMBER_RANGED (IS_BETWEEN), STRING and BOOL (IS_EQUAL_TO,
IS_NOT_EQUAL_TO and, for numbers, the ranges), MULTISTRING and ENUMERATION (IS_ANY_OF, IS_NONE_OF,
IS_EQUAL_TO and IS_NOT_EQUAL_TO on a list of values) and ALL_PROPERTY (IS_KNOWN, IS_UNKNOWN).
Anything else (deeper nesting, NOT_ALL / NOT_ANY branches, other filter types, substring CONTAINS,
includeObjectsWithNoValueSet) is a 400 naming where it is: a list must never mean other than asked.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError

from accounts import scopes as api_scopes
from crm.api import errors
from crm.api.search import refused
from crm.records import filters

SINGLE = {
    "IS_EQUAL_TO": "EQ",
    "IS_NOT_EQUAL_TO": "NEQ",
    "IS_GREATER_THAN": "GT",
    "IS_GREATER_THAN_OR_EQUAL_TO": "GTE",
    "IS_LESS_THAN": "LT",
    "IS_LESS_THAN_OR_EQUAL_TO": "LTE",
}
MANY = {"IS_ANY_OF": "IN", "IS_EQUAL_TO": "IN", "IS_NONE_OF": "NOT_IN", "IS_NOT_EQUAL_TO": "NOT_IN"}
KNOWN = {"IS_KNOWN": "HAS_PROPERTY", "IS_UNKNOWN": "NOT_HAS_PROPERTY"}


def _refuse(where: str, message: str) -> errors.ApiError:
    return errors.ApiError(message, errors=[{"message": message, "in": where, "code": "UNSUPPORTED_FILTER"}])


def _filter(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("filterType") != "PROPERTY" or not isinstance(data.get("property"), str):
        raise _refuse(
            where, 'Only PROPERTY filters are supported: {"filterType": "PROPERTY", "property", "operation"}.'
        )
    operation = data.get("operation")
    if not isinstance(operation, dict):
        raise _refuse(f"{where}.operation", "A filter needs an operation object.")
    if operation.get("includeObjectsWithNoValueSet"):
        raise _refuse(f"{where}.operation", "includeObjectsWithNoValueSet is not supported: add an OR branch instead.")
    kind, operator = operation.get("operationType"), operation.get("operator")
    body: dict[str, Any] = {"propertyName": data["property"]}
    if kind in ("NUMBER", "STRING", "BOOL") and operator in SINGLE and (kind == "NUMBER" or operator in MANY):
        body.update(operator=SINGLE[operator], value=operation.get("value"))
    elif kind == "NUMBER_RANGED" and operator == "IS_BETWEEN":
        body.update(operator="BETWEEN", value=operation.get("lowerBound"), highValue=operation.get("upperBound"))
    elif kind in ("MULTISTRING", "ENUMERATION") and operator in MANY and isinstance(operation.get("values"), list):
        body.update(operator=MANY[operator], values=operation["values"])
    elif kind == "ALL_PROPERTY" and operator in KNOWN:
        body.update(operator=KNOWN[operator])
    else:
        raise _refuse(f"{where}.operation", f"The operation {str(kind)[:40]} {str(operator)[:40]} is not supported.")
    return body


def filter_groups_of(branch: Any) -> list[dict[str, Any]]:
    """filterGroups from a filterBranch; ApiError (400) for what this module does not take."""
    where = "filterBranch"
    if not isinstance(branch, dict) or branch.get("filterBranchType") != "OR" or branch.get("filters"):
        raise _refuse(where, "The root filterBranch must be an OR branch with AND branches and no filters of its own.")
    ands = branch.get("filterBranches") or []
    if not isinstance(ands, list):
        raise _refuse(where, "filterBranches must be a list.")
    groups = []
    for i, child in enumerate(ands):
        at = f"{where}.filterBranches[{i}]"
        if not isinstance(child, dict) or child.get("filterBranchType") != "AND" or child.get("filterBranches"):
            raise _refuse(at, "Each branch under the root must be an AND branch of filters, with no branches inside.")
        filters = child.get("filters") or []
        if not isinstance(filters, list):
            raise _refuse(at, "filters must be a list.")
        groups.append({"filters": [_filter(f, f"{at}.filters[{j}]") for j, f in enumerate(filters)]})
    return groups


def query_of_body(view, request, object_type, body: dict):
    """The FilterQuery a list body asks for (filterGroups, else filterBranch), after the read scopes
    of every type it reaches through associations; None when it has no filter."""
    groups = body.get("filterGroups")
    if body.get("filterBranch") is not None and groups is None:
        groups = filter_groups_of(body["filterBranch"])
    query = filters.query_parse(groups)
    for other in filters.associated_types(object_type=object_type, query=query):
        view.require_objects(request, other, api_scopes.READ)
    return query if query else None


@contextmanager
def filter_refusals(object_type):
    """A saved filter's refusals as the API says them: a highly sensitive property is a 400 naming
    the rule, another sensitive one a 403 naming the scopes, a bad filter a 400 field by field."""
    try:
        yield
    except filters.FilterRefused as exc:
        if exc.definition.is_highly_sensitive:
            item = {"message": str(exc), "in": "filterGroups", "code": "HIGHLY_SENSITIVE_PROPERTY"}
            raise errors.ApiError(str(exc), errors=[item]) from None
        raise refused(object_type, exc) from None
    except ValidationError as exc:
        raise errors.invalid(exc, prefix="") from None
