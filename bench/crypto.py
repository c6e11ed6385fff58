"""Throughput of the sensitive-value choke point against raw Tink, and of tenant key rotations.

    python -m bench.crypto --values 100000 [--batch 1000] [--keep-db]

Runs against the database DATABASE_URL names (SQLite by default, or PostgreSQL), but in a
database of its own made with Django's test-database machinery ("bench_crypto" on PostgreSQL,
a temporary file on SQLite), with a master key file of its own: the developer's data and keys
are never touched. Both paths of each comparison run in the same process, because these machines
are too noisy for figures from separate runs to be compared; for decryption they take turns batch
by batch.

"Raw" loops do the per-value work no implementation can avoid (building the associated data,
JSON encoding or decoding, the Tink call) and nothing else, on the same values as the choke
point; the ratios say how much of the raw speed the choke point keeps. A second pair of figures
("tink_only") times the bare Tink calls on precomputed inputs, to show what the encoding costs.

The last line printed is one JSON object with the figures, ratios first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import (
    PASSWORD,
    chunks,
    database_analyze,
    fixtures_frozen,
    prepare,
    run_and_print,
)

prepare("crypto")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts import services as account_services  # noqa: E402
from crm import selectors as crm_selectors  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.models import PropertyDefinition, Record  # noqa: E402
from crm.records import api as records_api  # noqa: E402
from crm.records import selectors as record_selectors  # noqa: E402
from sensitive import blind_index_rotation, crypto, keys, rotation  # noqa: E402
from sensitive import selectors as sensitive_selectors  # noqa: E402
from sensitive import services as sensitive_services  # noqa: E402
from sensitive.models import SensitiveValue  # noqa: E402
from sensitive.readings import State  # noqa: E402

CREATE_CHUNK = 5_000  # records per records_bulk_create call while setting up
WRITE_CHUNK = 1_250  # records per values_write_bulk call: 5,000 values, as an import batch would send
HEALTH_OPTIONS = ["none", "asthma", "diabetes", "hypertension", "migraine", "other"]
Sensitivity = PropertyDefinition.Sensitivity
DataType = PropertyDefinition.DataType

Plan = list[tuple[Record, dict[str, Any]]]


@dataclass
class Bench:
    """What the measurements share: the tenant, its admin, contacts and the sensitive properties."""

    tenant: Any
    admin: Any
    contacts: Any
    properties: dict[str, PropertyDefinition]


# --- setting up ---------------------------------------------------------------------------


def bench_setup() -> Bench:
    """A tenant with four sensitive contact properties, one of each common kind; one searchable."""
    tenant, admin = account_services.tenant_create(
        name=f"Bench {uuid.uuid4().hex[:8]}", admin_email="bench-admin@example.com", admin_password=PASSWORD
    )
    contacts = crm_selectors.object_type_get(actor=admin, name="contacts")
    specs = [
        ("salary", "Salary", DataType.NUMBER, None, False),
        ("national_id", "National id", DataType.STRING, None, True),
        ("birthdate", "Date of birth", DataType.DATE, None, False),
        ("health", "Health condition", DataType.ENUMERATION, [{"value": v} for v in HEALTH_OPTIONS], False),
    ]
    properties = {
        name: crm_services.property_definition_create(
            actor=admin,
            object_type=contacts,
            name=name,
            label=label,
            data_type=data_type,
            options=options,
            sensitivity=Sensitivity.SENSITIVE,
            searchable=searchable,
        )
        for name, label, data_type, options, searchable in specs
    }
    return Bench(tenant=tenant, admin=admin, contacts=contacts, properties=properties)


def sensitive_values_for(rng: random.Random) -> dict[str, Any]:
    """Values in the form crm.validation gives them, which is what values_write_bulk expects."""
    return {
        "salary": rng.randrange(20_000, 250_000),
        "national_id": f"ID-{rng.randrange(10**9):09d}",
        "birthdate": (dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000))).isoformat(),
        "health": rng.choice(HEALTH_OPTIONS),
    }


def records_create(bench: Bench, count: int) -> list[Record]:
    """Contacts with a plain first name only: their sensitive values are written (and timed) afterwards."""
    rng = random.Random(1)
    records: list[Record] = []
    with tqdm(total=count, desc="Creating contacts", unit="rec") as bar:
        for start in range(0, count, CREATE_CHUNK):
            size = min(CREATE_CHUNK, count - start)
            rows = [{"firstname": f"Bench{rng.randrange(10**6)}"} for _ in range(size)]
            records += records_api.records_write_bulk(actor=bench.admin, object_type=bench.contacts, rows=rows)
            bar.update(size)
    return records


# --- measuring ----------------------------------------------------------------------------


def per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def report(label: str, count: int, seconds: float) -> float:
    rate = per_second(count, seconds)
    print(f"{label:<42} {count:>10,} values in {seconds:8.3f} s  = {rate:>12,.0f} values/s", flush=True)
    return rate


def encrypt_chokepoint(bench: Bench, plan: Plan) -> float:
    """values_write_bulk on records that exist already: encryption, blind indexes, inserts and audit."""
    seconds = 0.0
    written = 0
    with tqdm(total=len(plan) * len(bench.properties), desc="Choke point encrypt", unit="val") as bar:
        for chunk in chunks(plan, WRITE_CHUNK):
            started = time.perf_counter()
            count = sensitive_services.values_write_bulk(actor=bench.admin, rows=chunk)
            seconds += time.perf_counter() - started
            written += count
            bar.update(count)
    return report("choke point encrypt (values_write_bulk)", written, seconds)


def raw_inputs(bench: Bench, plan: Plan) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, Any]]:
    """The plan flattened to (tenant, object type, record, property, value), built outside the timings."""
    ids = {name: definition.id for name, definition in bench.properties.items()}
    return [
        (record.tenant_id, record.object_type_id, record.pk, ids[name], value)
        for record, values in plan
        for name, value in values.items()
    ]


def encrypt_raw(tenant_keys: keys.TenantKeys, inputs: Sequence[tuple]) -> tuple[float, float]:
    """A tight loop of Tink encryptions of the same values: with their encoding, and the bare calls."""
    encrypt = tenant_keys.aead.encrypt
    associated_data, encode = crypto.associated_data, crypto.encode
    started = time.perf_counter()
    for tenant_id, type_id, record_id, property_id, value in inputs:
        encrypt(encode(value), associated_data(tenant_id, type_id, record_id, property_id))
    full = report("raw Tink encrypt (+ AD and JSON encoding)", len(inputs), time.perf_counter() - started)
    prepared = [(encode(v), associated_data(t, o, r, p)) for t, o, r, p, v in inputs]
    started = time.perf_counter()
    for plaintext, ad in prepared:
        encrypt(plaintext, ad)
    bare = report("raw Tink encrypt (bare calls)", len(prepared), time.perf_counter() - started)
    return full, bare


def decrypt_compare(
    records: Sequence[Record],
    stored: dict[uuid.UUID, list[tuple]],
    batch: int,
    expected: int,
    tenant_keys: keys.TenantKeys,
    admin,
) -> tuple[float, float, float]:
    """values_read over the records, `batch` at a time (as a list page or an export calls it), each
    call followed by raw Tink on the same batch's ciphertexts, with their decoding and bare. The
    paths take turns batch by batch so that the machine's drift falls on all three alike.
    """
    decrypt, associated_data, decode = tenant_keys.aead.decrypt, crypto.associated_data, crypto.decode
    seconds = {"chokepoint": 0.0, "raw": 0.0, "bare": 0.0}
    decrypted = 0
    with tqdm(total=expected, desc="Decrypt: choke point and raw Tink in turns", unit="val") as bar:
        for chunk in chunks(records, batch):
            inputs = [value for record in chunk for value in stored.get(record.pk, ())]
            prepared = [(ciphertext, associated_data(t, o, r, p)) for t, o, r, p, ciphertext in inputs]

            started = time.perf_counter()
            readings = sensitive_selectors.values_read(actor=admin, records=chunk)
            seconds["chokepoint"] += time.perf_counter() - started

            started = time.perf_counter()
            for tenant_id, type_id, record_id, property_id, ciphertext in inputs:
                decode(decrypt(ciphertext, associated_data(tenant_id, type_id, record_id, property_id)))
            seconds["raw"] += time.perf_counter() - started

            started = time.perf_counter()
            for ciphertext, ad in prepared:
                decrypt(ciphertext, ad)
            seconds["bare"] += time.perf_counter() - started

            count = sum(reading.state == State.VALUE for row in readings.values() for reading in row.values())
            decrypted += count
            bar.update(count)
    if decrypted != expected:
        sys.exit(f"values_read gave {decrypted:,} values, {expected:,} were written: the figures would mislead.")
    return (
        report("choke point decrypt (values_read)", decrypted, seconds["chokepoint"]),
        report("raw Tink decrypt (+ AD and JSON decoding)", decrypted, seconds["raw"]),
        report("raw Tink decrypt (bare calls)", decrypted, seconds["bare"]),
    )


def queries_per_call(bench: Bench, records: Sequence[Record], batch: int) -> tuple[int, int]:
    """SQL queries of one values_read call of `batch` records, counted outside the timed loop."""
    chunk = records[:batch]
    with CaptureQueriesContext(connection) as captured:
        sensitive_selectors.values_read(actor=bench.admin, records=chunk)
    return len(captured), len(chunk)


def ciphertexts_by_record(bench: Bench) -> dict[uuid.UUID, list[tuple]]:
    """The stored ciphertexts with what their associated data is made of, by record, loaded untimed."""
    type_id = bench.contacts.pk
    rows = SensitiveValue.objects.filter(tenant=bench.tenant).values_list("record_id", "property_id", "ciphertext")
    stored: dict[uuid.UUID, list[tuple]] = {}
    for record_id, property_id, ciphertext in rows.iterator(chunk_size=10_000):
        stored.setdefault(record_id, []).append((bench.tenant.pk, type_id, record_id, property_id, bytes(ciphertext)))
    return stored


def rotate(bench: Bench, total: int) -> float:
    """tenant_key_rotate end to end: new key, re-encryption of every value, retirement of the old key."""
    with tqdm(total=total, desc="Rotation", unit="val") as bar:
        progress: Callable[[int], None] = bar.update
        started = time.perf_counter()
        result = rotation.tenant_key_rotate(tenant=bench.tenant, progress=progress)
        seconds = time.perf_counter() - started
    if not result.finished or result.reencrypted != total:
        sys.exit(f"Rotation re-encrypted {result.reencrypted:,} of {total:,} values: the figures would mislead.")
    return report("rotation (tenant_key_rotate)", result.reencrypted, seconds)


def reindex(bench: Bench) -> float:
    """blind_index_key_rotate end to end: new PRF key, every blind index recomputed, old key retired."""
    total = blind_index_rotation.values_to_reindex(bench.tenant)
    with tqdm(total=total, desc="Blind index key rotation", unit="val") as bar:
        started = time.perf_counter()
        result = blind_index_rotation.blind_index_key_rotate(tenant=bench.tenant, progress=bar.update)
        seconds = time.perf_counter() - started
    if not result.finished or result.reencrypted != total:
        sys.exit(f"Re-indexed {result.reencrypted:,} of {total:,} values: the figures would mislead.")
    return report("blind index key rotation", result.reencrypted, seconds)


def readable_check(bench: Bench, records: Sequence[Record], plan: Plan, label: str) -> None:
    """The first records read back as written: a benchmark of a broken path would measure nothing."""
    written = {record.pk: values for record, values in plan[:100]}
    readings = sensitive_selectors.values_read(actor=bench.admin, records=[r for r in records if r.pk in written])
    for record_id, values in written.items():
        got = {name: reading.value for name, reading in readings[record_id].items()}
        if got != values:
            sys.exit(f"{label}: record {record_id} reads back differently from what was written.")


# --- the run ------------------------------------------------------------------------------


def run(values: int, batch: int) -> dict[str, Any]:
    bench = bench_setup()
    record_count = max(1, values // len(bench.properties))
    total = record_count * len(bench.properties)
    print(f"{total:,} sensitive values: {record_count:,} contacts x {len(bench.properties)} properties", flush=True)

    created = records_create(bench, record_count)
    rng = random.Random(2)
    plan: Plan = [(record, sensitive_values_for(rng)) for record in created]

    with fixtures_frozen():
        encrypt_cp = encrypt_chokepoint(bench, plan)
    tenant_keys = keys.tenant_keys(bench.tenant.pk)
    inputs = raw_inputs(bench, plan)
    with fixtures_frozen():
        encrypt_full, encrypt_bare = encrypt_raw(tenant_keys, inputs)
    del inputs
    database_analyze()

    print("Loading the records and their ciphertexts (outside the timings)...", flush=True)
    records = list(record_selectors.record_list(actor=bench.admin, object_type=bench.contacts))
    readable_check(bench, records, plan, "After writing")
    stored = ciphertexts_by_record(bench)
    with fixtures_frozen():
        decrypt_cp, decrypt_full, decrypt_bare = decrypt_compare(
            records, stored, batch, total, tenant_keys, bench.admin
        )
    del stored
    queries, per = queries_per_call(bench, records, batch)
    print(f"values_read: {queries} SQL queries for a call of {per:,} records", flush=True)

    with fixtures_frozen():
        rotation_rate = rotate(bench, total)
        reindex_rate = reindex(bench)
    readable_check(bench, records, plan, "After rotation")

    return {
        "decrypt_ratio_chokepoint_vs_raw": round(decrypt_cp / decrypt_full, 3),
        "encrypt_ratio_chokepoint_vs_raw": round(encrypt_cp / encrypt_full, 3),
        "decrypt_ratio_chokepoint_vs_tink_only": round(decrypt_cp / decrypt_bare, 3),
        "encrypt_ratio_chokepoint_vs_tink_only": round(encrypt_cp / encrypt_bare, 3),
        "chokepoint_decrypt_values_per_s": decrypt_cp,
        "raw_decrypt_values_per_s": decrypt_full,
        "tink_only_decrypt_values_per_s": decrypt_bare,
        "chokepoint_encrypt_values_per_s": encrypt_cp,
        "raw_encrypt_values_per_s": encrypt_full,
        "tink_only_encrypt_values_per_s": encrypt_bare,
        "rotation_values_per_s": rotation_rate,
        "blind_index_rotation_values_per_s": reindex_rate,
        "queries_per_1000_records_read": round(queries * 1000 / per, 2),
        "values": total,
        "read_batch": batch,
        "database": connection.vendor,
        "cores_used": 1,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crypto", description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000, help="sensitive values to write (default 100000)")
    parser.add_argument("--batch", type=int, default=1_000, help="records per values_read call (default 1000)")
    parser.add_argument("--keep-db", action="store_true", help="leave the database and its key file for a look")
    args = parser.parse_args(argv)
    if args.values < 4 or args.batch < 1:
        parser.error("--values must be at least 4 and --batch at least 1.")

    run_and_print(lambda: run(args.values, args.batch), keep_db=args.keep_db)


if __name__ == "__main__":
    main()
