"""Building active lists through real Celery workers: filters on sensitive properties (blind index,
decryption in memory) against the same filters on plain copies of them (SQL).

    python -m bench.lists [--contacts 100000] [--workers 1,2] [--repeat 3] [--keep-db]

Each contact has a sensitive searchable number (salary), a sensitive searchable enumeration
(residency, 8 options) and plain copies of both holding the same values, written with the record
layer's bulk path. Four filters, each on the sensitive pair and on the plain pair:

- both: salary BETWEEN 40,000 and 80,000 AND residency EQ "citizen" (the blind index narrows, the
  range decrypts what is left);
- eq: residency EQ "citizen" alone (blind index);
- range: salary BETWEEN alone (every value decrypted).

A build is timed from its start (list created, chunks queued) until its status is done, with 1
and then 2 worker processes (`celery worker -P solo`, each its own process) on the broker of
CELERY_BROKER_URL (Redis) and the bench's database. Member counts of the sensitive and plain lists
must be equal, and equal to the count the bench expects, or the figures are refused.
Targets (issue 15): 1,000,000 contacts in under 20 s with 2 workers; sensitive over plain at
most 4 for the range, 1.5 for the blind index equality; 2 workers at least 1.7 times faster than 1.

With `--keep-db` the database (bench_lists_<contacts>) and its master key (var/bench-lists/) are kept, and
reused by the next run with the same number of contacts. The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
KEPT_DIR = ROOT / "var" / "bench-lists"
TENANT = "Bench lists"
ADMIN_EMAIL = "bench-lists@bench.test"
OPTIONS = ["citizen", "permanent", "temporary", "student", "work", "refugee", "diplomat", "visitor"]
LOW, HIGH = 40_000, 80_000  # salaries are drawn from 20,000 to 120,000: 40% of them
TARGETS = {"seconds_2_workers_1m": 20, "range_ratio": 4, "eq_ratio": 1.5, "speedup": 1.7}
CASES = {
    "both": lambda s, r: [_between(s), _eq(r)],
    "eq": lambda s, r: [_eq(r)],
    "range": lambda s, r: [_between(s)],
}


def _between(name: str) -> dict:
    return {"propertyName": name, "operator": "BETWEEN", "value": str(LOW), "highValue": str(HIGH)}


def _eq(name: str) -> dict:
    return {"propertyName": name, "operator": "EQ", "value": OPTIONS[0]}


def setup(keep_db: bool) -> None:
    """Django set up with the bench's master key: a throwaway one, or the kept one (var/bench-lists)."""
    from bench import common

    if keep_db:
        KEPT_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.rmdir(common.KEY_DIR)
        common.KEY_DIR = str(KEPT_DIR)
        common.KEEP["key_dir"] = True
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    common.prepare("lists")


def database_open(contacts: int, keep_db: bool) -> tuple[str, bool]:
    """(database name, whether it already holds the seeded contacts)."""
    from django.db import connection

    from accounts.models import Tenant
    from bench.common import database_create
    from crm.models import Record

    if not keep_db:
        return database_create(), False
    connection.settings_dict["TEST"]["NAME"] = f"bench_lists_{contacts}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
    tenant = Tenant.objects.filter(name=TENANT).first()
    if tenant is not None and Record.objects.filter(tenant=tenant).count() == contacts:
        return name, True
    connection.creation.destroy_test_db(name, verbosity=0, keepdb=False)
    connection.settings_dict["TEST"]["NAME"] = f"bench_lists_{contacts}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False), False


def values_of(contacts: int) -> tuple[list[int], list[str]]:
    rng = random.Random(15)
    return [rng.randrange(20_000, 120_000) for _ in range(contacts)], [rng.choice(OPTIONS) for _ in range(contacts)]


def seed(contacts: int, batch: int) -> float:
    """The tenant, its four properties and the contacts; returns the seconds the contacts took."""
    from accounts import services as account_services
    from bench.common import PASSWORD
    from crm import selectors as crm_selectors
    from crm import services as crm_services
    from crm.records import api as records_api

    _, admin = account_services.tenant_create(name=TENANT, admin_email=ADMIN_EMAIL, admin_password=PASSWORD)
    contact_type = crm_selectors.object_type_get(actor=admin, name="contacts")
    options = [{"value": value, "label": value.capitalize()} for value in OPTIONS]
    for name, data_type, sensitivity in (
        ("salary", "number", "sensitive"),
        ("residency", "enumeration", "sensitive"),
        ("salary_plain", "number", "none"),
        ("residency_plain", "enumeration", "none"),
    ):
        crm_services.property_definition_create(
            actor=admin,
            object_type=contact_type,
            name=name,
            label=name.replace("_", " ").capitalize(),
            data_type=data_type,
            options=options if data_type == "enumeration" else None,
            sensitivity=sensitivity,
            searchable=sensitivity != "none",
        )
    salaries, residencies = values_of(contacts)
    started = time.perf_counter()
    for start in range(0, contacts, batch):
        rows = [
            {
                "firstname": f"P{index}",
                "salary": salaries[index],
                "residency": residencies[index],
                "salary_plain": salaries[index],
                "residency_plain": residencies[index],
            }
            for index in range(start, min(contacts, start + batch))
        ]
        records_api.records_write_bulk(actor=admin, object_type=contact_type, rows=rows)
        if (start // batch) % 20 == 0:
            print(f"  seeded {start + len(rows)} in {time.perf_counter() - started:.0f} s", flush=True)
    seconds = time.perf_counter() - started
    print(f"Seeded {contacts} contacts in {seconds:.1f} s", flush=True)
    return seconds


def expected_counts(contacts: int) -> dict[str, int]:
    salaries, residencies = values_of(contacts)
    in_range = [LOW <= s <= HIGH for s in salaries]
    citizen = [r == OPTIONS[0] for r in residencies]
    return {
        "both": sum(a and b for a, b in zip(in_range, citizen, strict=True)),
        "eq": sum(citizen),
        "range": sum(in_range),
    }


# --- the workers ----------------------------------------------------------------------------


def _database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"])
    return f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def workers_start(count: int) -> list[subprocess.Popen]:
    """`count` worker processes (solo pool: one task at a time each) on the bench's database and
    master key, once each answers a ping."""
    from config.celery import app

    env = {**os.environ, "DATABASE_URL": _database_url(), "LOG_LEVEL": "WARNING"}
    workers = []
    for index in range(count):
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-n", f"bench{index}@%h"]
        command += ["--without-gossip", "--without-mingle", "--loglevel=WARNING"]
        log = open(Path(tempfile.gettempdir()) / f"bench-lists-worker{index}.log", "wb")
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            sys.exit(f"A worker stopped while starting: see {tempfile.gettempdir()}/bench-lists-worker*.log")
        if len(app.control.ping(timeout=0.5)) >= count:
            return workers
    workers_stop(workers)
    sys.exit("The workers did not answer within 60 s.")


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# --- the builds -----------------------------------------------------------------------------


def build_once(admin, contact_type, case: str, sensitive: bool, serial: list[int]) -> tuple[float, int]:
    """Seconds from creating the active list to its build done, and its member count; the list is
    deleted afterwards (outside the timing)."""
    from crm.records.filters import query_parse
    from workflows import services
    from workflows.models import List

    names = ("salary", "residency") if sensitive else ("salary_plain", "residency_plain")
    query = query_parse([{"filters": CASES[case](*names)}])
    serial[0] += 1
    started = time.perf_counter()
    the_list = services.list_create(
        actor=admin, object_type=contact_type, name=f"Bench {serial[0]}", kind="active", filters=query
    )
    while True:
        status, error = List.objects.filter(pk=the_list.pk).values_list("status", "error").get()
        if status == List.Status.DONE:
            break
        if status == List.Status.FAILED:
            sys.exit(f"The build failed: {error}")
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    the_list.refresh_from_db()
    members = the_list.member_count
    services.list_delete(actor=admin, the_list=the_list)
    return seconds, members


def run(
    contacts: int,
    workers: list[int] | tuple[int, ...] = (1, 2),
    repeat: int = 3,
    keep_db: bool = False,
    cases: list[str] | tuple[str, ...] = tuple(CASES),
) -> dict:
    """Seeds (or reuses) the contacts and times each build; figures in seconds, ratios, speedups.
    Django must be set up (setup()) and the database open (database_open())."""
    from accounts.models import User
    from bench.common import database_analyze
    from crm import selectors as crm_selectors

    admin = User.objects.get(email=ADMIN_EMAIL)
    contact_type = crm_selectors.object_type_get(actor=admin, name="contacts")
    expected = expected_counts(contacts)
    database_analyze()
    serial = [int(time.time())]
    figures: dict = {"contacts": contacts, "repeat": repeat}
    for count in workers:
        processes = workers_start(count)
        try:
            build_once(admin, contact_type, "eq", False, serial)  # warm-up: imports, keys, connections
            times: dict[str, list[float]] = {}
            for _ in range(repeat):
                for case in cases:
                    for sensitive in (True, False):
                        seconds, members = build_once(admin, contact_type, case, sensitive, serial)
                        if members != expected[case]:
                            sys.exit(
                                f"{case} ({'sensitive' if sensitive else 'plain'}): {members} members, expected "
                                f"{expected[case]}: the figures would mislead."
                            )
                        key = f"{case}_{'sensitive' if sensitive else 'plain'}"
                        times.setdefault(key, []).append(seconds)
                        print(f"  {count} worker(s) {key:<16} {seconds:7.2f} s  {members} members", flush=True)
        finally:
            workers_stop(processes)
        for key, values in times.items():
            figures[f"{key}_{count}w_s"] = round(statistics.median(values), 2)
            figures[f"{key}_{count}w_range_s"] = [round(min(values), 2), round(max(values), 2)]
        for case in cases:
            figures[f"{case}_ratio_{count}w"] = round(
                figures[f"{case}_sensitive_{count}w_s"] / figures[f"{case}_plain_{count}w_s"], 2
            )
    if 1 in workers and 2 in workers:
        for key in [f"{case}_{kind}" for case in cases for kind in ("sensitive", "plain")]:
            figures[f"{key}_speedup"] = round(figures[f"{key}_1w_s"] / figures[f"{key}_2w_s"], 2)
    figures["members"] = {case: expected[case] for case in cases}
    return figures


def report(figures: dict, workers: list[int], cases: list[str]) -> None:
    if not workers:
        return
    print(f"\n{'build':<10} {'workers':>7} {'sensitive s':>12} {'plain s':>9} {'ratio':>6}   ranges", flush=True)
    for case in cases:
        for count in workers:
            s, p = figures[f"{case}_sensitive_{count}w_s"], figures[f"{case}_plain_{count}w_s"]
            ranges = f"{figures[f'{case}_sensitive_{count}w_range_s']} / {figures[f'{case}_plain_{count}w_range_s']}"
            print(f"{case:<10} {count:>7} {s:>12.2f} {p:>9.2f} {s / p:>6.2f}   {ranges}", flush=True)
    if 1 in workers and 2 in workers:
        for case in cases:
            print(
                f"speedup 2 vs 1 worker, {case}: sensitive {figures[f'{case}_sensitive_speedup']}, "
                f"plain {figures[f'{case}_plain_speedup']}",
                flush=True,
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lists", description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="worker process counts to time, e.g. 1,2 (none: seed only)")
    parser.add_argument("--repeat", type=int, default=3, help="builds of each kind per worker count")
    parser.add_argument("--cases", default=",".join(CASES), help="builds to time: both, eq, range")
    parser.add_argument("--batch", type=int, default=5_000, help="contacts per records_write_bulk call")
    parser.add_argument("--keep-db", action="store_true", help="keep the database and key, reuse them next time")
    args = parser.parse_args(argv)
    workers = [int(part) for part in args.workers.split(",") if part.strip()]
    cases = [part.strip() for part in args.cases.split(",") if part.strip()]
    if not set(cases) <= set(CASES):
        parser.error(f"--cases takes some of {', '.join(CASES)}")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        sys.exit("bench.lists runs real workers: set CELERY_BROKER_URL=redis://...")
    setup(args.keep_db)
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench.lists needs PostgreSQL: set DATABASE_URL.")
    from config.celery import app

    app.control.purge()
    name, reused = database_open(args.contacts, args.keep_db)
    print(f"Database: {name} ({'reused' if reused else 'new'})", flush=True)
    seconds = None if reused else seed(args.contacts, args.batch)
    try:
        figures = run(args.contacts, workers, args.repeat, args.keep_db, cases)
    finally:
        if not args.keep_db:
            from bench.common import database_destroy

            database_destroy(name)
    figures["seed_s"] = None if seconds is None else round(seconds, 1)
    figures["database_reused"] = reused
    report(figures, workers, cases)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
