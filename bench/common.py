"""What the benchmarks share: a throwaway database and master key, timing helpers.

Call `prepare(NAME)` before importing anything of Django: the settings read the environment at import.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

KEY_DIR = tempfile.mkdtemp(prefix="bench-keys-")
KEEP = {"key_dir": False}  # a --keep-db flag sets it; otherwise the key folder goes at exit, however the run ends
PASSWORD = "a-long-bench-password-1"  # noqa: S105 -- a throwaway user in a throwaway database


def prepare(name: str) -> None:
    """A master key of the run's own, no key propagation wait, and Django set up."""
    atexit.register(lambda: KEEP["key_dir"] or shutil.rmtree(KEY_DIR, ignore_errors=True))
    os.environ["SENSITIVE_MASTER_KEY_URI"] = f"file://{KEY_DIR}/master.json"
    os.environ["SENSITIVE_KEY_PROPAGATION_SECONDS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    os.environ["BENCH_NAME"] = name
    import django

    django.setup()


def database_create() -> str:
    """A fresh database beside the configured one ("bench_<name>" on PostgreSQL, a temporary file on SQLite)."""
    from django.db import connection

    name = os.environ["BENCH_NAME"]
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"bench_{name}"
    else:
        connection.settings_dict["TEST"]["NAME"] = os.path.join(KEY_DIR, f"bench_{name}.sqlite3")
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)


def database_analyze() -> None:
    """After bulk loads, the state a settled database is in: fresh planner statistics and, on
    PostgreSQL, what autovacuum would have done (hint bits set, visibility map, GIN pending lists
    merged) and what the checkpointer would have written, so that the timings that follow don't
    pay for the load that came before them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT pg_has_role('pg_checkpoint', 'MEMBER') OR rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        if cursor.fetchone()[0]:
            cursor.execute("CHECKPOINT")


def database_destroy(name: str) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(name, verbosity=0)


def run_and_print(run: Callable[[], dict], *, keep_db: bool = False) -> None:
    """Run a benchmark in a fresh database, drop it afterwards (unless kept), print the figures as JSON last."""
    import json

    from django.db import connection

    KEEP["key_dir"] = keep_db
    name = database_create()
    print(f"Database: {connection.vendor} {name}; master key: {KEY_DIR}/master.json", flush=True)
    try:
        figures = run()
    finally:
        if keep_db:
            print(f"Kept the database {name} and the key folder {KEY_DIR}.", flush=True)
        else:
            database_destroy(name)
    print(json.dumps(figures))


@contextmanager
def fixtures_frozen() -> Iterator[None]:
    """Keep the benchmark's own objects (records, ciphertexts for the raw loops: millions of them)
    out of Python's garbage collector while it times. A server process holds none of them, but
    here each full collection scans them all, and lands in whichever timed call happens to trigger
    it: mostly the choke point, which allocates more than a raw loop. What the timed code allocates
    is still collected as usual."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def median_ms(function: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def alternate(paths: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median milliseconds of each path, run in turns so that machine noise falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeat):
        for name, function in paths.items():
            started = time.perf_counter()
            function()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}
