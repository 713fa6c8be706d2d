"""CPU per request inside a gunicorn worker: POST /api/v1/bookings against GET /health.

A load-independent stand-in for issue 16's wrk ratio. gunicorn runs with ONE sync worker;
the script sends --requests health checks, then --requests bookings (fresh slots, nothing
clashes), one after another, and reads the worker's CPU time (user + system, from
/proc/<pid>/stat) before and after each batch. The client's own work is not counted, and a
busy machine slows the wall clock but hardly the CPU a request costs. Where requests are
CPU-bound, health's CPU ÷ booking's CPU is the throughput ratio the machine would reach with
the cores to itself (waits for the disk or PostgreSQL come on top; see bench/api_phases.py).

    .venv/bin/python bench/api_cpu.py [--databases sqlite,postgresql] [--requests 400]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from read_paths import _seed  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", type=lambda s: s.split(","),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; gunicorn 1 sync worker; "
          f"{args.requests} requests of each, one after another")
    for kind in args.databases:
        with harness.database(kind) as url:
            world = _seed(url, 200)
            with harness.gunicorn(url, workers=1) as port:
                worker = _worker_pid(port)
                book = _booker(port, world)
                for _ in range(20):  # warm up: imports, connections, caches
                    harness.request(port, "GET", "/health")
                    book()
                health = _cpu_ms(worker, lambda: harness.request(port, "GET", "/health"),
                                 args.requests)
                booking = _cpu_ms(worker, book, args.requests)
        print(f"{kind:10} health {health:.3f} ms CPU, booking {booking:.3f} ms CPU per request; "
              f"health ÷ booking {health / booking:.3f}")


def _worker_pid(port: int) -> int:
    """The one worker: the child of the gunicorn master listening on *port*."""
    masters = [p for p in Path("/proc").iterdir() if p.name.isdigit()
               and f"127.0.0.1:{port}".encode() in _read(p / "cmdline")]
    master = min(int(p.name) for p in masters)
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and _stat(int(p.name)) and _stat(int(p.name))[1] == master]
    (child,) = children
    return child


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(CPU ticks used, parent pid, pid) of *pid*."""
    text = _read(Path(f"/proc/{pid}/stat")).decode()
    if not text:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12]), int(fields[1]), pid


def _cpu_ms(pid: int, call, count: int) -> float:
    before = _stat(pid)[0]
    for _ in range(count):
        call()
    time.sleep(0.05)
    return (_stat(pid)[0] - before) / TICKS * 1000 / count


def _booker(port: int, world: dict):
    slots = iter(range(1_000_000))
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=3)
    headers = {"Authorization": f"Bearer {world['token']}", "Content-Type": "application/json"}

    def book():
        begin = start + timedelta(hours=next(slots))
        body = json.dumps({"resource_id": world["sequential_lab"], "start": begin.isoformat(),
                           "end": (begin + timedelta(minutes=30)).isoformat(),
                           "title": "bench"})
        status, _headers, answer = harness.request(port, "POST", "/api/v1/bookings", body=body,
                                                   headers=headers)
        assert status == 201, answer[:300]
    return book


if __name__ == "__main__":
    main()
