"""Staff UI response times on a large tenant: the object index and a record page, member against super admin.

    python -m bench.ui --contacts 100000 [--repeat 20] [--keep-db]

Runs against the database DATABASE_URL names (SQLite by default, or PostgreSQL), in a database of
its own made with Django's test-database machinery ("bench_ui" on PostgreSQL, a temporary file on
SQLite), with a master key file of its own: the developer's data and keys are never touched.

The tenant gets demo data (crm.demo: contacts with 8 sensitive properties, plus companies, deals
and tickets). A member gets a team grant to view 2 of the sensitive properties. Each page is then
fetched through django.test.Client, the whole request cycle (middleware, sessions, templates),
alternating member and super admin so that both see the same machine noise; the figures are medians.

The last line printed is one JSON object with the figures, ratios first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.common import (
    PASSWORD,
    prepare,
    run_and_print,
)

prepare("ui")

import re  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts import security  # noqa: E402
from accounts import services as account_services  # noqa: E402
from accounts.sudo import CONFIRMED_AT  # noqa: E402
from crm import demo  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm.models import Record  # noqa: E402
from sensitive import grants  # noqa: E402

GRANTED = ("annual_salary", "nationality")  # the member's team may view these two
INDEX_COLUMNS = ["email", "firstname", "lastname", "lifecyclestage", *GRANTED]  # 6 columns, 2 of them sensitive
TARGETS_MS = {"index": 150, "record": 100}
TARGET_RATIO = 1.3


# --- setting up ---------------------------------------------------------------------------


def tenant_seed(contacts: int):
    """A tenant with demo data, its super admin, and a member whose team may view two sensitive properties."""
    _, admin = account_services.tenant_create(
        name="Bench UI", admin_email="bench-admin@example.com", admin_password=PASSWORD
    )
    started = time.perf_counter()
    with tqdm(total=contacts, desc="Seeding contacts", unit="rec") as bar:
        counts = demo.demo_seed(actor=admin, contacts=contacts, progress=bar.update)
    print(f"Seeded {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    member = account_services.user_create(
        actor=admin, email="bench-member@example.com", password=PASSWORD, first_name="Bench", last_name="Member"
    )
    team = account_services.team_create(actor=admin, name="Payroll")
    account_services.team_member_add(actor=admin, team=team, user=member)
    contact_type = crm_selectors.object_type_get(actor=admin, name="contacts")
    definitions = crm_selectors.property_definitions_by_name(object_type=contact_type)
    for name in GRANTED:
        grants.property_grant(actor=admin, definition=definitions[name], grantee=team, level="view")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have them after a bulk load
    return admin, member


def signed_in_client(user) -> Client:
    """A client past the whole sign-in (password and second factor), as the MFA middleware demands."""
    device = TOTPDevice.objects.create(user=user, name="Bench phone", confirmed=True)
    client = Client(HTTP_HOST="localhost")  # an allowed host, without the test runner's settings changes
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[CONFIRMED_AT] = security.now().timestamp()
    session.save()
    return client


# --- measuring ----------------------------------------------------------------------------


def fetch(client: Client, url: str, expect: str = "") -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"GET {url} gave {response.status_code}: the figures would mislead.")
    page = response.content.decode()
    if expect and expect not in page:
        sys.exit(f"GET {url} lacks {expect!r}: the figures would mislead.")
    return elapsed, page


def time_paths(clients: dict[str, Client], paths: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    """Median ms per path and user; users alternate on every round so noise hits both alike."""
    samples: dict[str, dict[str, list[float]]] = {path: {user: [] for user in clients} for path in paths}
    for path, url in paths.items():
        for client in clients.values():  # warm caches, connections and templates first
            for _ in range(3):
                fetch(client, url)
        for round_ in range(repeat):
            order = list(clients.items()) if round_ % 2 == 0 else list(reversed(clients.items()))
            for user, client in order:
                samples[path][user].append(fetch(client, url)[0])
    return {
        path: {user: statistics.median(times) for user, times in by_user.items()} for path, by_user in samples.items()
    }


def queries_of(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [query["sql"] for query in captured.captured_queries]


def explain_page_query(client: Client, url: str) -> str:
    """EXPLAIN ANALYZE of the records query a page really ran (PostgreSQL only), taken from its captured SQL."""
    if connection.vendor != "postgresql":
        return ""
    page_query = next(sql for sql in queries_of(client, url) if 'FROM "crm_record"' in sql and "LIMIT" in sql)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + page_query)
        return "\n".join(row[0] for row in cursor.fetchall())


def run(contacts: int, repeat: int) -> dict[str, Any]:
    admin, member = tenant_seed(contacts)
    clients = {"member": signed_in_client(member), "admin": signed_in_client(admin)}
    contact = Record.objects.filter(object_type__name="contacts", tenant_id=admin.tenant_id).order_by("-created_at")[
        500
    ]
    index = f"/o/contacts/?columns={','.join(INDEX_COLUMNS)}"
    _, first_page = fetch(clients["admin"], index, expect="Annual salary")
    next_link = re.search(r'<a href="\?([^"]+)" rel="next">', first_page)
    if next_link is None:
        sys.exit("The index has no Next link: the figures would mislead.")
    paths = {
        "index": index,
        "index_next_page": "/o/contacts/?" + next_link.group(1).replace("&amp;", "&"),
        "record": f"/o/contacts/{contact.pk}/",
        "home": "/",
        # For information (no target); no index serves the sort by a property: PostgreSQL sorts every contact.
        "index_by_updated": f"{index}&sort=-updated",
        "index_by_lastname": f"{index}&sort=p.lastname",
    }
    # The member sees the two granted values and "Restricted" for the other six sensitive properties.
    fetch(clients["member"], paths["record"], expect="Restricted")
    _, member_index = fetch(clients["member"], index)
    if member_index.count('class="restricted"') or member_index.count("<tr>") < 51:
        sys.exit("The member's index shows restricted cells or too few rows: the grants did not take.")

    medians = time_paths(clients, paths, repeat)
    queries = {
        f"{path}_{user}": len(queries_of(client, url))
        for path, url in paths.items()
        for user, client in clients.items()
    }
    print(f"\n{'path':<18} {'member ms':>10} {'admin ms':>10} {'ratio':>7} {'queries m/a':>12}", flush=True)
    for path in paths:
        m, a = medians[path]["member"], medians[path]["admin"]
        counts = f"{queries[f'{path}_member']}/{queries[f'{path}_admin']}"
        print(f"{path:<18} {m:>10.1f} {a:>10.1f} {m / a:>7.2f} {counts:>12}", flush=True)
    for path in ("index", "index_next_page", "index_by_lastname"):
        plan = explain_page_query(clients["admin"], paths[path])
        if plan:
            print(f"\nEXPLAIN ANALYZE of the records query of {path}:\n{plan}", flush=True)

    figures: dict[str, Any] = {
        f"ratio_member_vs_admin_{path}": round(medians[path]["member"] / medians[path]["admin"], 3) for path in paths
    }
    for path in paths:
        for user in clients:
            figures[f"{path}_{user}_ms"] = round(medians[path][user], 1)
    figures.update({f"queries_{key}": count for key, count in queries.items()})
    figures["targets_met"] = {
        "index_ms": max(medians["index"].values()) < TARGETS_MS["index"],
        "record_ms": max(medians["record"].values()) < TARGETS_MS["record"],
        "ratio": all(medians[p]["member"] / medians[p]["admin"] <= TARGET_RATIO for p in ("index", "record")),
    }
    figures.update({"contacts": contacts, "repeat": repeat, "rows_per_page": 50, "database": connection.vendor})
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts to seed (default 100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed fetches per path and user (default 20)")
    parser.add_argument("--keep-db", action="store_true", help="leave the database and its key file for a look")
    args = parser.parse_args(argv)
    if args.contacts < 600 or args.repeat < 1:
        parser.error("--contacts must be at least 600 and --repeat at least 1.")

    run_and_print(lambda: run(args.contacts, args.repeat), keep_db=args.keep_db)


if __name__ == "__main__":
    main()
