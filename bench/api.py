"""The REST API under load: gunicorn with 2 workers on PostgreSQL, 100,000 contacts with 5 sensitive properties.

    python -m bench.api [--contacts 100000] [--seconds 3] [--rounds 4] [--concurrency 8]
                        [--workers 2] [--threads 4] [--searches 30] [--fresh] [--drop]

The tenant "Bench API" gets `--contacts` contacts, each with 5 sensitive values (salary, national
id, date of birth, nationality, bank account digits; the salary and the national id searchable),
written with records_write_bulk in batches. The database ("bench_api", beside DATABASE_URL's) and
its master key and secret key (var/bench-api/) are kept, and the next run reuses them when they
hold the same number of contacts: `--fresh` seeds anew, `--drop` drops them at the end.

gunicorn serves the app (`--workers`, gthread with `--threads`), with the tenant's rate limits
raised out of the way, and a separate process (bench/load.py: threads with keep-alive connections)
drives it:

- GET /crm/v3/objects/contacts/{id} with the 5 sensitive and 3 plain properties, for random ids, by
  a token with the sensitive read scope and by one without it (its 5 come back restricted), in
  alternating rounds of `--seconds` at `--concurrency`: requests per second of each, and the ratio
  of their times. Targets: ratio at most 1.25, at least 400 requests/s with the sensitive scope.
- POST .../search with an equality filter on the national id (the blind index): p50 under 100 ms;
  with a range filter on the salary (decrypted in memory): p50 under 1 s.
- POST .../batch/read of 100 contacts with the 5 sensitive properties: p50 under 150 ms.

Those three run one request at a time, `--searches` of each (a quarter as many range searches), and
only once their endpoint exists. The last line printed is one JSON object with the figures, ratios first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parents[1] / "var" / "bench-api"
TENANT = "Bench API"
ADMIN_EMAIL = "bench-api-admin@example.com"
PASSWORD = "a-long-bench-password-1"  # noqa: S105 -- a throwaway user in a throwaway database


def _environment() -> None:
    """The bench's own master key and secret key, kept with its database (tokens are keyed by the
    secret key, values by the master key), and Django set up; gunicorn inherits the same."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = BENCH_DIR / "secret_key"
    if not secret.exists():
        descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    os.environ["SECRET_KEY_FILE"] = str(secret)
    os.environ.pop("SECRET_KEY", None)
    os.environ["SENSITIVE_MASTER_KEY_URI"] = f"file://{BENCH_DIR}/master.json"
    os.environ["SENSITIVE_KEY_PROPAGATION_SECONDS"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


_environment()

from django.db import connection, connections  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts import private_apps  # noqa: E402
from accounts import services as account_services  # noqa: E402
from accounts.models import PrivateApp, Tenant, User  # noqa: E402
from bench.common import database_analyze  # noqa: E402
from bench.serve import call_once, drive, free_port, gunicorn_start, p50, p99  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.api.base import ApiView  # noqa: E402
from crm.models import PropertyDefinition, Record  # noqa: E402
from crm.records import api as records_api  # noqa: E402

SENSITIVE = [  # name, data type, searchable
    ("annual_salary", "number", True),
    ("national_id", "string", True),
    ("date_of_birth", "date", False),
    ("nationality", "string", False),
    ("bank_account_last4", "string", False),
]
SENSITIVE_NAMES = [name for name, *_ in SENSITIVE]
PLAIN_NAMES = ["firstname", "lastname", "email"]
APPS = {
    "sensitive": ["crm.objects.contacts.read", "crm.objects.contacts.sensitive.read"],
    "plain": ["crm.objects.contacts.read"],
}
TARGETS = {"ratio": 1.25, "sensitive_rps": 400, "search_equality_ms": 100, "search_range_ms": 1000, "batch_ms": 150}
FIRST = ["Ada", "Alan", "Grace", "Rosalind", "Katherine", "Edsger", "Barbara", "Donald", "Frances", "Niklaus"]
LAST = ["Lovelace", "Turing", "Hopper", "Franklin", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen", "Wirth"]
COUNTRIES = ["France", "Germany", "Ghana", "India", "Japan", "Kenya", "Mexico", "Peru", "Spain", "Sweden"]


def national_id(index: int) -> str:
    return f"NI{index:07d}"


# --- the database -------------------------------------------------------------------------


def database_open(contacts: int, fresh: bool) -> tuple[str, bool]:
    """The bench database, reused when it holds the tenant with `contacts` contacts; (name, reused)."""
    connection.settings_dict["TEST"]["NAME"] = "bench_api"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=not fresh)
    if not fresh and _seeded(contacts):
        return name, True
    if Tenant.objects.exists():  # another size, or a seed that was interrupted: start again
        connection.creation.destroy_test_db(name, verbosity=0, keepdb=False)
        connection.settings_dict["TEST"]["NAME"] = "bench_api"
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    return name, False


def _seeded(contacts: int) -> bool:
    tenant = Tenant.objects.filter(name=TENANT).first()
    if tenant is None or PrivateApp.objects.filter(tenant=tenant).count() < len(APPS):
        return False
    found = PropertyDefinition.objects.filter(tenant=tenant, name__in=SENSITIVE_NAMES).count()
    return found == len(SENSITIVE) and Record.objects.filter(tenant=tenant).count() == contacts


def seed(contacts: int, batch: int) -> None:
    _, admin = account_services.tenant_create(name=TENANT, admin_email=ADMIN_EMAIL, admin_password=PASSWORD)
    contact_type = crm_selectors.object_type_get(actor=admin, name="contacts")
    for name, data_type, searchable in SENSITIVE:
        crm_services.property_definition_create(
            actor=admin,
            object_type=contact_type,
            name=name,
            label=name.replace("_", " ").capitalize(),
            data_type=data_type,
            sensitivity=PropertyDefinition.Sensitivity.SENSITIVE,
            searchable=searchable,
        )
    rng = random.Random(7)
    today = dt.date(2026, 1, 1)
    started = time.perf_counter()
    with tqdm(total=contacts, desc="Seeding contacts", unit="rec") as bar:
        for start in range(0, contacts, batch):
            rows = [
                {
                    "firstname": rng.choice(FIRST),
                    "lastname": rng.choice(LAST),
                    "email": f"contact{index}@bench.test",
                    "annual_salary": rng.randrange(18_000, 250_000, 500),
                    "national_id": national_id(index),
                    "date_of_birth": (today - dt.timedelta(days=rng.randint(18 * 365, 80 * 365))).isoformat(),
                    "nationality": rng.choice(COUNTRIES),
                    "bank_account_last4": f"{rng.randint(0, 9999):04d}",
                }
                for index in range(start, min(contacts, start + batch))
            ]
            records_api.records_write_bulk(actor=admin, object_type=contact_type, rows=rows)
            bar.update(len(rows))
    print(f"Seeded {contacts} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    for name, scopes in APPS.items():
        private_apps.private_app_create(actor=admin, tenant=admin.tenant, name=f"Bench {name}", scopes=scopes)
    database_analyze()


def tokens_and_ids(sample: int) -> tuple[dict[str, str], list[int]]:
    """Fresh tokens of the bench's apps (rotated: only their hashes are stored), the tenant's limits
    out of the way, and a random sample of contact ids."""
    admin = User.objects.get(email=ADMIN_EMAIL)
    # No service sets a tenant's API limits (a platform operator edits them in the admin).
    Tenant.objects.filter(pk=admin.tenant_id).update(
        api_burst_per_10_seconds=2_000_000_000, api_search_per_second=2_000_000_000, api_daily=2_000_000_000
    )
    tokens = {}
    for name in APPS:
        app = PrivateApp.objects.get(tenant_id=admin.tenant_id, name=f"Bench {name}")
        tokens[name] = private_apps.private_app_rotate(actor=admin, app=app)
    numbers = list(Record.objects.filter(tenant_id=admin.tenant_id).values_list("number", flat=True))
    return tokens, random.Random(11).sample(numbers, min(sample, len(numbers)))


# --- the server and the load --------------------------------------------------------------


def database_url() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"])
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


def landed(method: str, path: str) -> bool:
    try:
        view = getattr(resolve(path).func, "view_class", None)
    except Resolver404:
        return False
    return isinstance(view, type) and issubclass(view, ApiView) and hasattr(view, method.lower())


# --- the measurements ---------------------------------------------------------------------

GET_PATH = "/crm/v3/objects/contacts/{}?properties=" + ",".join(SENSITIVE_NAMES + PLAIN_NAMES)


def measure_gets(port: int, tokens: dict[str, str], ids: list[int], args) -> dict[str, Any]:
    # the two tokens see what they should: values for one, restrictedProperties for the other
    seen = call_once(port, "GET", GET_PATH.format(ids[0]), tokens["sensitive"])
    if any(seen["properties"].get(name) is None for name in SENSITIVE_NAMES) or seen.get("restrictedProperties"):
        sys.exit(f"The sensitive token did not read the 5 values: {seen}")
    hidden = call_once(port, "GET", GET_PATH.format(ids[0]), tokens["plain"])
    if sorted(hidden.get("restrictedProperties", [])) != sorted(SENSITIVE_NAMES):
        sys.exit(f"The plain token was not refused the 5 values: {hidden}")

    def phase(name: str, seconds: float) -> dict:
        headers = {"Authorization": f"Bearer {tokens[name]}"}
        calls = [{"method": "GET", "path": GET_PATH.format(number), "headers": headers} for number in ids]
        return {"name": name, "concurrency": args.concurrency, "seconds": seconds, "calls": calls}

    drive(port, [phase("sensitive", 1), phase("plain", 1)])  # warm-up: connections, caches, code paths
    phases = []
    for round_ in range(args.rounds):  # ABBA: each token goes first as often
        pair = [phase("sensitive", args.seconds), phase("plain", args.seconds)]
        phases += pair if round_ % 2 == 0 else pair[::-1]
    results = drive(port, phases)
    figures: dict[str, Any] = {}
    for name in APPS:
        mine = [result for result in results if result["name"] == name]
        latencies = [value for result in mine for value in result["latencies_ms"]]
        figures[f"get_{name}_rps"] = sum(r["count"] for r in mine) / sum(r["seconds"] for r in mine)
        figures[f"get_{name}_p50_ms"] = p50(latencies)
        figures[f"get_{name}_p99_ms"] = p99(latencies)
    figures["ratio_sensitive_vs_plain_time"] = figures["get_plain_rps"] / figures["get_sensitive_rps"]
    return figures


SEARCH = "/crm/v3/objects/contacts/search"
BATCH_READ = "/crm/v3/objects/contacts/batch/read"


def equality_search(index: int) -> dict:
    return {
        "filterGroups": [{"filters": [{"propertyName": "national_id", "operator": "EQ", "value": national_id(index)}]}],
        "properties": ["firstname", "national_id"],
        "limit": 10,
    }


def range_search(threshold: int) -> dict:
    return {
        "filterGroups": [{"filters": [{"propertyName": "annual_salary", "operator": "GTE", "value": str(threshold)}]}],
        "properties": ["firstname", "annual_salary"],
        "limit": 10,
    }


def batch_read(ids: list[int]) -> dict:
    return {"inputs": [{"id": str(number)} for number in ids], "properties": SENSITIVE_NAMES}


def one_at_a_time(name: str, token: str, bodies: list[dict], path: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    calls = [{"method": "POST", "path": path, "headers": headers, "body": body} for body in bodies]
    return {"name": name, "concurrency": 1, "requests": len(bodies), "calls": calls}


def measure_search_and_batch(port: int, token: str, contacts: int, ids: list[int], searches: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    rng = random.Random(13)
    if landed("post", SEARCH):
        found = call_once(port, "POST", SEARCH, token, equality_search(contacts // 2))
        if found.get("total") != 1 or found["results"][0]["properties"]["national_id"] != national_id(contacts // 2):
            sys.exit(f"The equality search did not find its one contact: {str(found)[:300]}")
        ranged = call_once(port, "POST", SEARCH, token, range_search(245_000))
        if not ranged.get("total") or any(
            int(hit["properties"]["annual_salary"]) < 245_000 for hit in ranged["results"]
        ):
            sys.exit(f"The range search answered wrong: {str(ranged)[:300]}")
        equality = [equality_search(rng.randrange(contacts)) for _ in range(searches)]
        ranges = [range_search(rng.randrange(240_000, 249_500, 500)) for _ in range(max(3, searches // 4))]
        warm = [one_at_a_time("warm", token, equality[:3] + ranges[:1], SEARCH)]
        timed = [one_at_a_time("equality", token, equality, SEARCH), one_at_a_time("range", token, ranges, SEARCH)]
        results = {result["name"]: result for result in drive(port, warm + timed)}
        figures["search_equality_p50_ms"] = p50(results["equality"]["latencies_ms"])
        figures["search_range_p50_ms"] = p50(results["range"]["latencies_ms"])
        figures["search_range_total"] = ranged["total"]
    else:
        print(f"POST {SEARCH} has not landed: no search figures.", flush=True)
    if landed("post", BATCH_READ):
        read = call_once(port, "POST", BATCH_READ, token, batch_read(ids[:100]))
        if len(read.get("results", [])) != 100 or any(
            hit["properties"].get(name) is None for hit in read["results"] for name in SENSITIVE_NAMES
        ):
            sys.exit(f"The batch read did not return 100 contacts with 5 values: {str(read)[:300]}")
        bodies = [batch_read(rng.sample(ids, 100)) for _ in range(searches)]
        results = {
            r["name"]: r
            for r in drive(
                port,
                [
                    one_at_a_time("warm", token, bodies[:3], BATCH_READ),
                    one_at_a_time("batch", token, bodies, BATCH_READ),
                ],
            )
        }
        figures["batch_read_100_p50_ms"] = p50(results["batch"]["latencies_ms"])
    else:
        print(f"POST {BATCH_READ} has not landed: no batch figures.", flush=True)
    return figures


def report(figures: dict[str, Any]) -> None:
    print(f"\n{'measure':<34} {'figure':>10}", flush=True)
    for key, value in figures.items():
        if isinstance(value, float):
            print(f"{key:<34} {value:>10.1f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts to seed (default 100000)")
    parser.add_argument("--seconds", type=float, default=3, help="length of each timed GET round (default 3)")
    parser.add_argument("--rounds", type=int, default=4, help="GET rounds per token (default 4)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads for the GETs (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--searches", type=int, default=30, help="timed searches and batch reads (default 30)")
    parser.add_argument("--batch", type=int, default=1000, help="contacts per records_write_bulk call when seeding")
    parser.add_argument("--fresh", action="store_true", help="seed a new database even if one is there")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args(argv)
    if args.contacts < 200:
        parser.error("--contacts must be at least 200 (a batch read takes 100).")
    if connection.vendor != "postgresql":
        sys.exit("bench.api needs PostgreSQL: set DATABASE_URL.")

    name, reused = database_open(args.contacts, args.fresh)
    print(f"Database: {name} ({'reused' if reused else 'new'}); keys: {BENCH_DIR}", flush=True)
    if not reused:
        seed(args.contacts, args.batch)
    tokens, ids = tokens_and_ids(2000)
    connections.close_all()  # the server's workers open their own
    port = free_port()
    server = gunicorn_start(port, args.workers, args.threads, {"DATABASE_URL": database_url()})
    try:
        figures = measure_gets(port, tokens, ids, args)
        figures.update(measure_search_and_batch(port, tokens["sensitive"], args.contacts, ids, args.searches))
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(figures)
    ordered: dict[str, Any] = {"ratio_sensitive_vs_plain_time": round(figures.pop("ratio_sensitive_vs_plain_time"), 3)}
    ordered.update({key: round(value, 1) if isinstance(value, float) else value for key, value in figures.items()})
    ordered["targets_met"] = {
        "ratio": ordered["ratio_sensitive_vs_plain_time"] <= TARGETS["ratio"],
        "sensitive_rps": ordered["get_sensitive_rps"] >= TARGETS["sensitive_rps"],
        **{
            key: ordered[figure] < TARGETS[key]
            for key, figure in (
                ("search_equality_ms", "search_equality_p50_ms"),
                ("search_range_ms", "search_range_p50_ms"),
                ("batch_ms", "batch_read_100_p50_ms"),
            )
            if figure in ordered
        },
    }
    ordered.update(
        {
            "contacts": args.contacts,
            "workers": args.workers,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "database_reused": reused,
            "database": connection.vendor,
        }
    )
    if args.drop:
        connection.creation.destroy_test_db(name, verbosity=0, keepdb=False)
    print(json.dumps(ordered))


if __name__ == "__main__":
    main()
