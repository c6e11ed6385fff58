"""A report's grouped count over many contacts: by a sensitive searchable enumeration (counted off
its blind index in SQL, nothing decrypted), by a sensitive copy without a blind index (every value
decrypted through the choke point, streamed in chunks) and by a plain copy (SQL GROUP BY).

    python -m bench.reports [--contacts 100000] [--repeat 3] [--keep-db]

Each run is reports.selectors.report_run as a super admin: the filter opened, record_list, the
aggregate, the audit events. Target (issue 15): a grouped count over 1,000,000 contacts by a
sensitive enumeration under 10 seconds. `run(contacts)` is callable from other benchmarks (it
seeds a fresh tenant in the current database). The last line is JSON, ratios first.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from bench.common import PASSWORD, alternate, chunks, database_analyze, prepare, run_and_print

if __name__ == "__main__":
    prepare("reports")

TARGET_MS = 10_000
OPTIONS = ["north", "south", "east", "west", "up", "down", "left", "right"]
BATCH = 5_000


def seed(count: int):
    from accounts import services as account_services
    from crm import selectors as crm_selectors
    from crm import services as crm_services
    from crm.records import api as records

    _, admin = account_services.tenant_create(
        name=f"Bench reports {time.time_ns()}", admin_email=f"a{time.time_ns()}@bench.test", admin_password=PASSWORD
    )
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    options = [{"value": v, "label": v.title()} for v in OPTIONS]
    for name, sensitivity in (("region", "sensitive"), ("region_unindexed", "sensitive"), ("region_plain", "none")):
        crm_services.property_definition_create(
            actor=admin,
            object_type=contacts,
            name=name,
            label=name,
            data_type="enumeration",
            options=options,
            sensitivity=sensitivity,
            searchable=name == "region",
        )
    rng = random.Random(15)
    regions = [rng.choice(OPTIONS) for _ in range(count)]
    started = time.perf_counter()
    for i, batch in enumerate(chunks(regions, BATCH)):
        rows = [{"firstname": f"P{i}", "region": r, "region_unindexed": r, "region_plain": r} for r in batch]
        records.records_write_bulk(actor=admin, object_type=contacts, rows=rows)
        if i % 20 == 19:
            print(f"  {(i + 1) * BATCH} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    seeded = time.perf_counter() - started
    print(f"Seeded {count} contacts in {seeded:.0f} s", flush=True)
    database_analyze()
    return admin, contacts, regions, seeded


def _cpu_ms(call) -> float:
    """CPU time of this process for one call (the database server's is not in it)."""
    started = time.process_time()
    call()
    return (time.process_time() - started) * 1000


def run(contacts: int, repeat: int = 3) -> dict:
    from collections import Counter

    from reports import selectors, services

    admin, object_type, regions, seeded = seed(contacts)
    reports = {
        name: services.report_create(
            actor=admin, spec=services.ReportSpec(name=name, object_type=object_type, group_by=name)
        )
        for name in ("region", "region_unindexed", "region_plain")
    }
    expected = {r.title(): n for r, n in Counter(regions).items()}

    def count_by(name: str):
        def call():
            rows = selectors.report_run(viewer=admin, report=reports[name]).rows
            return {row.group: row.count for row in rows}

        return call

    paths = {
        "sensitive_group": count_by("region"),
        "sensitive_decrypted_group": count_by("region_unindexed"),
        "plain_group": count_by("region_plain"),
    }
    for name, call in paths.items():
        if call() != expected:
            sys.exit(f"{name} counted otherwise than expected: the figures would mislead.")
    cpu = {name: _cpu_ms(call) for name, call in paths.items()}  # this process only: the machine may be busy
    medians = alternate(paths, repeat)
    print({name: f"{ms:.0f} ms" for name, ms in medians.items()}, flush=True)
    return {
        "sensitive_over_plain": round(medians["sensitive_group"] / medians["plain_group"], 1),
        "decrypted_over_plain": round(medians["sensitive_decrypted_group"] / medians["plain_group"], 1),
        **{f"{name}_p50_ms": round(ms, 1) for name, ms in medians.items()},
        **{f"{name}_process_cpu_ms": round(ms, 1) for name, ms in cpu.items()},
        "load_average_1m": round(os.getloadavg()[0], 1),
        "target_ms": TARGET_MS,
        "contacts": contacts,
        "seed_s": round(seeded),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    run_and_print(lambda: run(args.contacts, args.repeat), keep_db=args.keep_db)


if __name__ == "__main__":
    main()
