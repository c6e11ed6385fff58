"""Two costs of the audit trail: auditing bulk reads, and finding one record's history among millions.

    python -m bench.audit [--records 10000] [--events 10000000] [--repeat 15]

1. A bulk read of `--records` contacts with sensitive values through the choke point, with the
   audit event (one per read, with the record ids) against the same read with the audit call
   replaced by a no-op in this process only. Target: ratio at most 1.2.
2. The viewer's query for one record's access history (newest 50), with `--events` events in the
   table, on PostgreSQL (synthetic events, inserted by SQL in bulk). Target: under 200 ms.
The last line is JSON, ratios first.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from contextlib import nullcontext

from bench.common import PASSWORD, alternate, database_analyze, database_create, database_destroy, median_ms, prepare

prepare("audit")

from django.db import connection  # noqa: E402

from accounts import services as account_services  # noqa: E402
from audit import selectors as audit_selectors  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.records import api as records_api  # noqa: E402
from crm.records import selectors as record_selectors  # noqa: E402
from sensitive import selectors as sensitive_selectors  # noqa: E402

EVENT_CHUNK = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="Print the plan of the history lookup.")
    args = parser.parse_args()
    name = database_create()
    try:
        admin, records = setup(args.records)
        figures = read_overhead(admin, records, args.repeat)
        if connection.vendor == "postgresql":
            figures.update(history_lookup(admin, records, args.events, args.explain))
        else:
            print("The history lookup among millions of events runs on PostgreSQL only (set DATABASE_URL).")
        print(json.dumps({**figures, "records": args.records, "database": connection.vendor}))
    finally:
        database_destroy(name)


def setup(count: int):
    _, admin = account_services.tenant_create(name="Bench", admin_email="admin@bench.test", admin_password=PASSWORD)
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    for name in ("salary", "gov_id"):
        crm_services.property_definition_create(
            actor=admin, object_type=contacts, name=name, label=name, sensitivity="sensitive"
        )
    rng = random.Random(3)
    rows = [
        {"firstname": f"P{i}", "salary": rng.randrange(20_000, 200_000), "gov_id": f"ID{i:08d}"} for i in range(count)
    ]
    for start in range(0, count, 5_000):
        records_api.records_write_bulk(actor=admin, object_type=contacts, rows=rows[start : start + 5_000])
    database_analyze()
    return admin, list(record_selectors.record_list(actor=admin, object_type=contacts))


def read_overhead(admin, records, repeat: int) -> dict:
    def audited():
        sensitive_selectors.values_read(actor=admin, records=records)

    real = sensitive_selectors.audit_services.event_recording

    def unaudited():
        sensitive_selectors.audit_services.event_recording = lambda **kwargs: nullcontext()
        try:
            sensitive_selectors.values_read(actor=admin, records=records)
        finally:
            sensitive_selectors.audit_services.event_recording = real

    audited(), unaudited()
    times = alternate({"audited": audited, "unaudited": unaudited}, repeat)
    print(f"bulk read of {len(records)} records: {times['audited']:.1f} ms audited, {times['unaudited']:.1f} ms not")
    return {
        "audit_overhead_ratio": round(times["audited"] / times["unaudited"], 3),
        "read_audited_ms": round(times["audited"], 1),
        "read_unaudited_ms": round(times["unaudited"], 1),
    }


def history_lookup(admin, records, total: int, explain: bool = False) -> dict:
    """Synthetic events spread over 100,000 record ids (the bench's records among them), then one lookup."""
    tenant_id, actor_id = str(admin.tenant_id), str(admin.pk)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_ids AS SELECT gen_random_uuid() AS id FROM generate_series(1, 100000)")
        cursor.execute("INSERT INTO bench_ids SELECT id FROM crm_record")
        cursor.execute("CREATE TEMP TABLE bench_pool AS SELECT row_number() OVER () AS n, id FROM bench_ids")
        pool = 100_000 + len(records)
        for start in range(0, total, EVENT_CHUNK):
            size = min(EVENT_CHUNK, total - start)
            cursor.execute(
                """
                INSERT INTO audit_auditevent (chain, seq, prev_hash, hash, mac, tenant_id, actor_id, actor_email,
                    kind, surface, ip_address, object_type, record_ids, property_names, details, created_at)
                SELECT 'bench', %s + g, repeat('0', 64), repeat('0', 64), repeat('0', 64), %s, %s, 'admin@bench.test',
                    'sensitive.read', 'ui', '127.0.0.1', 'contacts',
                    jsonb_build_array(p.id::text), '["salary"]', '{"purpose": "view"}',
                    now() - make_interval(secs => (%s - (%s + g)))
                FROM generate_series(1, %s) AS g
                JOIN bench_pool p ON p.n = 1 + ((g::bigint * 7919) %% %s)
                """,
                [start, tenant_id, actor_id, total, start, size, pool],
            )
            print(f"  {start + size:,} synthetic events", flush=True)
        # The record index on PostgreSQL is the GIN index over the events' record ids (audit/record_index.py).
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    print(f"inserted {total:,} events in {time.perf_counter() - started:.0f} s (not timed below)")
    target = records[len(records) // 2]

    def lookup():
        return list(audit_selectors.event_list(actor=admin, record_id=target.pk)[:50])

    found = len(lookup())
    if explain:
        print(audit_selectors.event_list(actor=admin, record_id=target.pk)[:50].explain(analyze=True))
    ms = median_ms(lookup, 15)
    print(f"one record's newest 50 events among {total:,}: {ms:.1f} ms ({found} found)")
    return {"history_lookup_ms": round(ms, 1), "events": total, "history_rows_found": found}


if __name__ == "__main__":
    main()
