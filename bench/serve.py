"""What a benchmark of the HTTP API needs besides Django: gunicorn serving the app, the load driver
(bench/load.py) run as a process of its own, one checked call, percentiles."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(port: int, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn serving config.wsgi with gthread workers; returns once it answers (a 401 without a token)."""
    env = {**os.environ, **env}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603 (our own command)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}.")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/crm/v3/objects/contacts/1")
            if probe.getresponse().status == 401:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s.")


def drive(port: int, phases: list[dict]) -> list[dict]:
    """Run the phases in bench/load.py, a process of its own; its results, each checked all 200."""
    spec = json.dumps({"host": "127.0.0.1", "port": port, "phases": phases})
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for result in results:
        if set(result["statuses"]) != {"200"}:
            sys.exit(f"{result['name']}: statuses {result['statuses']}, not all 200: the figures would mislead.")
    return results


def call_once(port: int, method: str, path: str, token: str, body: Any = None) -> dict:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if payload else {})}
    client.request(method, path, body=payload, headers=headers)
    response = client.getresponse()
    data = json.loads(response.read() or b"null")
    if response.status != 200:
        sys.exit(f"{method} {path} gave {response.status}: {str(data)[:300]}")
    return data


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
