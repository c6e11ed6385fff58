"""Does the audit trail serialize a tenant? Concurrent audited reads, one tenant against eight.

    python -m bench.audit_concurrency [--clients 8] [--seconds 20] [--records 2000] [--page 50]

`--clients` processes, each with its own database connection, do audited reads of `--page`
contacts with sensitive values for `--seconds` seconds: once all against one tenant, once
spread over eight tenants. Meanwhile one more process signs a user of the first tenant in
every 50 ms (the audited part of a sign-in: its event in its own transaction; the password
hash is left out, it costs the same whatever the audit does) and records the latency.
Targets: throughput of one tenant at least 0.8 of eight tenants' (`one_tenant_ratio`); p99
of a sign-in during the one-tenant run under 50 ms. PostgreSQL only (the point is row locks).
A sampler also counts, every 20 ms, the bench's sessions waiting for a lock (`lock_waiting_*`:
the mean number waiting, and the share of samples with any): unlike the timings, that does not
depend on how busy the machine is. The last line is JSON, ratios first.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import time

from bench.common import PASSWORD, database_analyze, database_create, database_destroy, prepare

prepare("audit_concurrency")

from django.db import connection, connections, transaction  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from audit import services as audit_services  # noqa: E402
from audit.models import AuditEvent  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.records import api as records_api  # noqa: E402
from crm.records import selectors as record_selectors  # noqa: E402
from sensitive import selectors as sensitive_selectors  # noqa: E402

TENANTS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--records", type=int, default=2000, help="contacts per tenant")
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench.audit_concurrency needs PostgreSQL: set DATABASE_URL.")
    name = database_create()
    try:
        admins = [setup(index, args.records) for index in range(TENANTS)]
        database_analyze()
        connections.close_all()  # each process opens its own
        one = run(args, [admins[0].pk] * args.clients, admins[0].pk)
        spread = run(args, [admins[index % TENANTS].pk for index in range(args.clients)], admins[0].pk)
        figures = {
            "one_tenant_ratio": round(one["reads_per_s"] / spread["reads_per_s"], 3),
            "sign_in_p99_ms_one_tenant": one["sign_in_p99_ms"],
            "sign_in_p50_ms_one_tenant": one["sign_in_p50_ms"],
            "reads_per_s_one_tenant": one["reads_per_s"],
            "reads_per_s_eight_tenants": spread["reads_per_s"],
            "read_p50_ms_one_tenant": one["read_p50_ms"],
            "read_p50_ms_eight_tenants": spread["read_p50_ms"],
            "sign_in_p99_ms_eight_tenants": spread["sign_in_p99_ms"],
            "lock_waiting_mean_one_tenant": one["lock_waiting_mean"],
            "lock_waiting_share_one_tenant": one["lock_waiting_share"],
            "lock_waiting_mean_eight_tenants": spread["lock_waiting_mean"],
            "clients": args.clients,
            "page": args.page,
            "seconds": args.seconds,
        }
        print(json.dumps(figures))
    finally:
        connections.close_all()
        database_destroy(name)


def setup(index: int, count: int) -> User:
    _, admin = account_services.tenant_create(
        name=f"Bench {index}", admin_email=f"admin{index}@bench.test", admin_password=PASSWORD
    )
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    for prop in ("salary", "gov_id"):
        crm_services.property_definition_create(
            actor=admin, object_type=contacts, name=prop, label=prop, sensitivity="sensitive"
        )
    rng = random.Random(index)
    rows = [
        {"firstname": f"P{i}", "salary": rng.randrange(20_000, 200_000), "gov_id": f"ID{i:08d}"} for i in range(count)
    ]
    for start in range(0, count, 5_000):
        records_api.records_write_bulk(actor=admin, object_type=contacts, rows=rows[start : start + 5_000])
    print(f"tenant {index}: {count} contacts", flush=True)
    return admin


def run(args, reader_admin_ids: list, sign_in_admin_id) -> dict:
    """Start the readers and the sign-in prober together; gather their timings."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0  # every process starts timing at once
    workers = [
        context.Process(target=_reader, args=(admin_id, args.page, start_at, args.seconds, seed, results))
        for seed, admin_id in enumerate(reader_admin_ids)
    ]
    workers.append(context.Process(target=_sign_in_prober, args=(sign_in_admin_id, start_at, args.seconds, results)))
    workers.append(context.Process(target=_lock_sampler, args=(start_at, args.seconds, results)))
    for worker in workers:
        worker.start()
    gathered = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    reads = [ms for kind, times in gathered if kind == "read" for ms in times]
    sign_ins = sorted(ms for kind, times in gathered if kind == "sign_in" for ms in times)
    waiting = [count for kind, counts in gathered if kind == "locks" for count in counts]
    label = "one tenant" if len(set(reader_admin_ids)) == 1 else f"{len(set(reader_admin_ids))} tenants"
    figures = {
        "reads_per_s": round(len(reads) / args.seconds, 1),
        "read_p50_ms": round(statistics.median(reads), 2),
        "sign_in_p50_ms": round(statistics.median(sign_ins), 2),
        "sign_in_p99_ms": round(sign_ins[min(len(sign_ins) - 1, int(len(sign_ins) * 0.99))], 2),
        "lock_waiting_mean": round(statistics.mean(waiting), 3),
        "lock_waiting_share": round(sum(1 for count in waiting if count) / len(waiting), 3),
    }
    print(f"{label}: {figures}", flush=True)
    return figures


def _reader(admin_id, page: int, start_at: float, seconds: float, seed: int, results) -> None:
    connections.close_all()
    admin = User.objects.select_related("tenant").get(pk=admin_id)
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    records = list(record_selectors.record_list(actor=admin, object_type=contacts))
    rng = random.Random(seed)
    times = []
    time.sleep(max(0.0, start_at - time.time()))
    deadline = start_at + seconds
    while time.time() < deadline:
        offset = rng.randrange(0, max(1, len(records) - page))
        started = time.perf_counter()
        with transaction.atomic():  # a request's transaction, as ATOMIC_REQUESTS-style views hold
            sensitive_selectors.values_read(actor=admin, records=records[offset : offset + page])
        times.append((time.perf_counter() - started) * 1000)
    connections.close_all()
    results.put(("read", times))


def _sign_in_prober(admin_id, start_at: float, seconds: float, results) -> None:
    connections.close_all()
    user = User.objects.select_related("tenant").get(pk=admin_id)
    times = []
    time.sleep(max(0.0, start_at - time.time()))
    deadline = start_at + seconds
    while time.time() < deadline:
        started = time.perf_counter()
        with transaction.atomic():
            audit_services.event_record(kind=AuditEvent.Kind.SIGN_IN, actor=user)
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    connections.close_all()
    results.put(("sign_in", times))


def _lock_sampler(start_at: float, seconds: float, results) -> None:
    """How many of the bench's sessions wait for a lock (a row lock, here), every 20 ms."""
    connections.close_all()
    counts = []
    time.sleep(max(0.0, start_at - time.time()))
    deadline = start_at + seconds
    with connection.cursor() as cursor:
        while time.time() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            counts.append(cursor.fetchone()[0])
            time.sleep(0.02)
    connections.close_all()
    results.put(("locks", counts))


if __name__ == "__main__":
    main()
