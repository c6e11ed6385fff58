"""The search endpoint's three paths over many contacts: a range filter on a sensitive number
(decrypted in memory), an equality on it (blind index), and the same range on a plain copy (SQL).

    python -m bench.search [--contacts 100000] [--repeat 7] [--keep-db]

Requests go through django.test.Client in this process (the whole request cycle: token, throttles,
the compiler, record_views, the audit). The narrow range matches about 1% of the contacts, the
wide one half of them; the sort orders all of them by their decrypted salary (no target).
Targets (issue 14): range p50 under 1 s, equality under 100 ms. The last line is JSON, ratios first.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from bench.common import PASSWORD, alternate, chunks, database_analyze, prepare, run_and_print

prepare("search")

from django.test import Client  # noqa: E402

from accounts import private_apps  # noqa: E402
from accounts import services as account_services  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.records import services as record_services  # noqa: E402

TARGETS_MS = {"range_in_memory": 1_000, "wide_range_in_memory": 1_000, "equality_blind_index": 100}
SCOPES = ["crm.objects.contacts.read", "crm.objects.contacts.sensitive.read"]
LOW, HIGH = 40_000, 41_000  # about 1% of the salaries drawn below
WIDE = 70_000  # 20,000 to this: about half of them


def seed(count: int):
    _, admin = account_services.tenant_create(name="Bench search", admin_email="a@bench.test", admin_password=PASSWORD)
    admin.tenant.api_search_per_second = 1_000_000
    admin.tenant.save(update_fields=["api_search_per_second"])
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    for name, sensitivity in (("salary", "sensitive"), ("salary_plain", "none")):
        crm_services.property_definition_create(
            actor=admin,
            object_type=contacts,
            name=name,
            label=name,
            data_type="number",
            sensitivity=sensitivity,
            searchable=sensitivity != "none",
        )
    rng = random.Random(14)
    salaries = [rng.randrange(20_000, 120_000) for _ in range(count)]
    started = time.perf_counter()
    for batch in chunks(salaries, 5_000):
        rows = [{"firstname": f"P{s}", "salary": s, "salary_plain": s} for s in batch]
        record_services.records_bulk_create(actor=admin, object_type=contacts, rows=rows)
    print(f"Seeded {count} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    database_analyze()
    _, token = private_apps.private_app_create(actor=admin, tenant=admin.tenant, name="Bench", scopes=SCOPES)
    return token, salaries


def run(count: int, repeat: int) -> dict:
    token, salaries = seed(count)
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    expected = {
        "range_in_memory": sum(LOW <= s <= HIGH for s in salaries),
        "equality_blind_index": salaries.count(salaries[77]),
        "range_sql": sum(LOW <= s <= HIGH for s in salaries),
        "wide_range_in_memory": sum(s <= WIDE for s in salaries),
        "sort_in_memory": count,
    }

    def search(name: str | None, spec: dict, **extra):
        def call():
            groups = [{"filters": [{"propertyName": name, **spec}]}] if name else []
            body = {"filterGroups": groups, "limit": 100, **extra}
            response = client.post("/crm/v3/objects/contacts/search", json.dumps(body), content_type="application/json")
            if response.status_code != 200:
                sys.exit(f"search gave {response.status_code}: {response.content[:300]!r}")
            return response.json()["total"]

        return call

    between = {"operator": "BETWEEN", "value": str(LOW), "highValue": str(HIGH)}
    paths = {
        "range_in_memory": search("salary", between),
        "equality_blind_index": search("salary", {"operator": "EQ", "value": str(salaries[77])}),
        "range_sql": search("salary_plain", between),
        # Half the records match: the audit event names them all, and their ids go back to SQL.
        "wide_range_in_memory": search("salary", {"operator": "LTE", "value": str(WIDE)}),
        # Every record's salary decrypted and ordered (and named in the audit event).
        "sort_in_memory": search(None, {}, sorts=["-salary"]),
    }
    for name, call in paths.items():
        if call() != expected[name]:
            sys.exit(f"{name} found another total than expected: the figures would mislead.")
    medians = alternate(paths, repeat)
    print({name: f"{ms:.1f} ms" for name, ms in medians.items()}, flush=True)
    return {
        "range_in_memory_over_sql": round(medians["range_in_memory"] / medians["range_sql"], 2),
        **{f"{name}_p50_ms": round(ms, 1) for name, ms in medians.items()},
        "targets_ms": TARGETS_MS,
        "contacts": count,
        "range_matches": expected["range_in_memory"],
        "wide_range_matches": expected["wide_range_in_memory"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    run_and_print(lambda: run(args.contacts, args.repeat), keep_db=args.keep_db)


if __name__ == "__main__":
    main()
