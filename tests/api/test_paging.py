"""Paging through 10,000 contacts while more are created: no record twice, none missed."""

from __future__ import annotations

import pytest

from crm.records import api as records_api
from tests.api.conftest import READ_CONTACTS

pytestmark = pytest.mark.django_db


def test_paging_through_10000_records_while_records_are_created_gives_no_duplicate_and_no_gap(
    api_for, tenant_a_admin, contacts_a
):
    # given 10,000 contacts
    existing = records_api.records_write_bulk(
        actor=tenant_a_admin, object_type=contacts_a, rows=[{"firstname": f"P{i}"} for i in range(10_000)]
    )
    api = api_for(READ_CONTACTS)

    # when a client pages through them, 100 at a time, while 7 more are created between two pages
    seen: list[str] = []
    created_meanwhile: list[str] = []
    params = {"limit": 100, "properties": "firstname"}
    pages = 0
    while True:
        body = api.get("/crm/v3/objects/contacts", params).data
        seen += [result["id"] for result in body["results"]]
        pages += 1
        made = records_api.records_write_bulk(
            actor=tenant_a_admin, object_type=contacts_a, rows=[{"firstname": f"New{pages}-{i}"} for i in range(7)]
        )
        created_meanwhile += [str(record.number) for record in made]
        if "paging" not in body or pages > 1_000:
            break
        params = {**params, "after": body["paging"]["next"]["after"]}

    # then every contact that existed is seen once, in number order, and so is each one created before the last page
    assert len(seen) == len(set(seen))
    assert set(map(str, (record.number for record in existing))) <= set(seen)
    assert seen == sorted(seen, key=int)
    assert set(seen) - {str(record.number) for record in existing} == set(created_meanwhile[:-7])
