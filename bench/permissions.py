"""The cost of field permissions in the choke point: a user with team grants against a super admin.

    python -m bench.permissions [--records 1000] [--properties 10] [--repeat 30]

Both read the same records' sensitive values through `values_read`; the super admin needs no
grant lookup, the member's grants come through a team. Prints time and SQL query counts of
each, and their ratio; the last line is JSON, ratios first. Targets: the same number of queries,
and a time ratio of at most 1.3.
"""

from __future__ import annotations

import argparse
import json
import random

from bench.common import PASSWORD, alternate, database_analyze, database_create, database_destroy, prepare

prepare("permissions")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts import services as account_services  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.records import api as records_api  # noqa: E402
from crm.records import selectors as record_selectors  # noqa: E402
from sensitive import grants  # noqa: E402
from sensitive import selectors as sensitive_selectors  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000)
    parser.add_argument("--properties", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    name = database_create()
    try:
        print(json.dumps(run(args.records, args.properties, args.repeat)))
    finally:
        database_destroy(name)


def run(record_count: int, property_count: int, repeat: int) -> dict:
    _, admin = account_services.tenant_create(name="Bench", admin_email="admin@bench.test", admin_password=PASSWORD)
    member = account_services.user_create(actor=admin, email="member@bench.test", password=PASSWORD)
    team = account_services.team_create(actor=admin, name="Clinicians")
    account_services.team_member_add(actor=admin, team=team, user=member)
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    definitions = [
        crm_services.property_definition_create(
            actor=admin, object_type=contacts, name=f"secret_{i}", label=f"Secret {i}", sensitivity="sensitive"
        )
        for i in range(property_count)
    ]
    for definition in definitions:
        grants.property_grant(actor=admin, definition=definition, grantee=team, level="view")
    rng = random.Random(5)
    rows = [{d.name: f"value-{rng.randrange(10**9)}" for d in definitions} for _ in range(record_count)]
    records_api.records_write_bulk(actor=admin, object_type=contacts, rows=rows)
    database_analyze()
    records = list(record_selectors.record_list(actor=admin, object_type=contacts))
    member.refresh_from_db()

    def read(actor):
        readings = sensitive_selectors.values_read(actor=actor, records=records)
        assert all(reading.is_value for row in readings.values() for reading in row.values())

    read(admin), read(member)  # warm both: keysets and grants cached, as in a running server
    queries = {}
    for label, actor in (("super_admin", admin), ("team_grant", member)):
        with CaptureQueriesContext(connection) as captured:
            read(actor)
        queries[label] = len(captured.captured_queries)
    times = alternate({"super_admin": lambda: read(admin), "team_grant": lambda: read(member)}, repeat)
    values = record_count * property_count
    for label in times:
        print(f"{label:12} {times[label]:8.1f} ms for {values} values, {queries[label]} queries")
    return {
        "time_ratio_team_grant_vs_super_admin": round(times["team_grant"] / times["super_admin"], 3),
        "query_difference": queries["team_grant"] - queries["super_admin"],
        "team_grant_ms": round(times["team_grant"], 1),
        "super_admin_ms": round(times["super_admin"], 1),
        "team_grant_queries": queries["team_grant"],
        "super_admin_queries": queries["super_admin"],
        "records": record_count,
        "properties": property_count,
        "database": connection.vendor,
    }


if __name__ == "__main__":
    main()
