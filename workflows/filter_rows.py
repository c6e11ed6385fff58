"""The filter rows of the list and report builders (templates/workflows/_filter_rows.html): the
form's numbered fields to HubSpot's filterGroups, which the filter compiler parses."""

from __future__ import annotations

ROWS = 6  # filter rows of a builder


def filter_groups_of(data) -> list[dict]:
    """The builder's rows as filterGroups: rows with the same group number are AND'ed."""
    groups: dict[str, list[dict]] = {}
    for i in range(ROWS):
        name = (data.get(f"property_{i}") or "").strip()
        if not name:
            continue
        f = {"propertyName": name, "operator": data.get(f"operator_{i}") or "EQ"}
        if data.get(f"value_{i}"):
            f["value"] = data.get(f"value_{i}")
        if data.get(f"high_{i}"):
            f["highValue"] = data.get(f"high_{i}")
        groups.setdefault(data.get(f"group_{i}") or "1", []).append(f)
    return [{"filters": filters} for _, filters in sorted(groups.items())]
