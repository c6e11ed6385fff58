"""A small HTTP load driver, run as a process of its own so that it shares nothing with the server
or the bench that starts it: `python -m bench.load < spec.json` prints one JSON line of results.

The spec: {"host", "port", "phases": [{"name", "concurrency", "seconds" | "requests", "calls":
[{"method", "path", "headers", "body"}]}]}. Each phase runs `concurrency` threads, each with its own
keep-alive HTTP/1.1 connection, cycling through the calls (each thread from its own offset) for
`seconds` seconds or until `requests` requests are done; it reports the count, the wall time, every
latency in milliseconds and the statuses seen. The standard library only: no client's overhead
of its own in the figures, and nothing to install.
"""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time
from collections import Counter


def _run_phase(host: str, port: int, phase: dict) -> dict:
    calls = phase["calls"]
    concurrency = phase.get("concurrency", 1)
    deadline_seconds = phase.get("seconds")
    budget = itertools.count()
    limit = phase.get("requests")
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    start_gate = threading.Barrier(concurrency + 1)

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        mine, seen = [], Counter()
        start_gate.wait()
        deadline = time.perf_counter() + deadline_seconds if deadline_seconds else None
        index = offset
        while True:
            if deadline is not None and time.perf_counter() >= deadline:
                break
            if limit is not None and next(budget) >= limit:
                break
            call = calls[index % len(calls)]
            index += 1
            body = call.get("body")
            payload = json.dumps(body).encode() if body is not None else None
            headers = {**call.get("headers", {}), **({"Content-Type": "application/json"} if payload else {})}
            started = time.perf_counter()
            try:
                connection.request(call["method"], call["path"], body=payload, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            seen[status] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=worker, args=(n * 7919,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return {
        "name": phase["name"],
        "count": len(latencies),
        "seconds": time.perf_counter() - started,
        "latencies_ms": latencies,
        "statuses": {str(status): count for status, count in statuses.items()},
    }


def main() -> None:
    spec = json.load(sys.stdin)
    results = [_run_phase(spec["host"], spec["port"], phase) for phase in spec["phases"]]
    sys.stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
