"""Where one POST /api/v1/bookings spends its time: CPU and wall clock per phase, in-process.

Seeds a small database as bench/read_paths.py does, then books --bookings slots one after
another through the Flask test client (no HTTP), timing each phase of the path with
time.perf_counter (wall) and time.process_time (this process's CPU). Wall minus CPU is
waiting: for the disk (SQLite's commit), for PostgreSQL's round trips, or for a core. The CPU
figures hardly move with the machine's load; the wall figures do, so state `uptime` with them.

    .venv/bin/python bench/api_phases.py                      # SQLite
    .venv/bin/python bench/api_phases.py --database postgresql
    SQLITE_SYNCHRONOUS=NORMAL .venv/bin/python bench/api_phases.py

Phases, each the sum of its calls within one booking: the token, the lock (with the booker),
the rules (checks.judge), building the booking (place), every flush (the INSERT, and
autoflushes; since the third pass the INSERT is its own phase, Core), the ledger, the event's subscribers (audit, outbox), the COMMIT, the answer
(serialise), and the whole request.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from read_paths import _seed  # noqa: E402

from booking import events  # noqa: E402
from booking.api import serialise  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.services import api_tokens, bookings, changes, checks, ledger, locking  # noqa: E402

# (module, attribute, phase): the functions wrapped, looked up where the caller finds them.
PHASES = [
    (api_tokens, "authenticate", "token"),
    (bookings, "lock_findable", "lock"),
    (locking, "_begin_write", "begin write"),  # inside the lock (begin_write outside it)
    (checks, "judge", "rules"),
    (changes, "place", "place"),
    (changes, "_insert", "insert"),  # the booking's Core INSERT (absent before the third pass)
    (ledger, "record", "ledger"),
    (events, "publish", "subscribers"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--seed", type=int, default=500, help="bookings seeded first")
    parser.add_argument("--calls", action="store_true",
                        help="count Python calls per phase instead (load-independent)")
    args = parser.parse_args()
    if args.calls:
        _count_calls()
    with harness.database(args.database) as url:
        world = _seed(url, args.seed)
        config = {"RATELIMIT_ENABLED": False}
        if os.environ.get("SQLITE_SYNCHRONOUS"):
            config["SQLITE_SYNCHRONOUS"] = os.environ["SQLITE_SYNCHRONOUS"]
        app = harness.app_for(url, **config)
        client = app.test_client()
        book = _booker(client, world)
        for _ in range(5):
            book()  # caches fill
        current_wall, current_cpu = _timed_phases(app)
        wall: dict[str, list[float]] = defaultdict(list)
        cpu: dict[str, list[float]] = defaultdict(list)
        totals_wall, totals_cpu = [], []
        for _ in range(args.bookings):
            current_wall.clear()
            current_cpu.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            book()
            totals_wall.append(time.perf_counter() - started)
            totals_cpu.append(time.process_time() - started_cpu)
            for name, seconds in current_wall.items():  # a phase's sum within the booking
                wall[name].append(seconds)
                cpu[name].append(current_cpu[name])
        profiler = cProfile.Profile()
        profiler.enable()
        book()
        profiler.disable()
        with app.app_context():
            db.engine.dispose()
    print(f"{args.database}, synchronous={os.environ.get('SQLITE_SYNCHRONOUS', 'default')}; "
          f"{args.bookings} bookings one after another, in-process; load average "
          f"{os.getloadavg()[0]:.1f}; {pstats.Stats(profiler).total_calls:,} Python calls "
          "per booking")
    unit = "calls" if args.calls else "ms"
    print(f"{'phase':14} {'wall ' + unit:>8} {'CPU ' + unit:>8} {'waiting':>8}  (medians)")
    for name in ["token", "lock", "begin write", "rules", "place", "flush", "insert", "ledger",
                 "subscribers", "commit", "answer"]:
        if wall[name]:
            w, c = statistics.median(wall[name]), statistics.median(cpu[name])
            print(f"{name:14} {w * 1000:8.2f} {c * 1000:8.2f} {(w - c) * 1000:8.2f}")
    w, c = statistics.median(totals_wall), statistics.median(totals_cpu)
    print(f"{'whole request':14} {w * 1000:8.2f} {c * 1000:8.2f} {(w - c) * 1000:8.2f}")


def _booker(client, world):
    slots = iter(range(1_000_000))
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=600)
    headers = {"Authorization": f"Bearer {world['token']}"}

    def book():
        begin = start + timedelta(hours=next(slots))
        answer = client.post("/api/v1/bookings", headers=headers, json={
            "resource_id": world["sequential_lab"], "start": begin.isoformat(),
            "end": (begin + timedelta(minutes=30)).isoformat()})
        assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
    return book


def _count_calls() -> None:
    """Make the phases' "clocks" count Python function calls (sys.setprofile) instead of
    seconds: both columns then show calls per phase, the same on a busy machine and an idle one."""
    calls = [0]

    def profiler(_frame, event, _arg):
        if event in ("call", "c_call"):
            calls[0] += 1

    sys.setprofile(profiler)
    time.perf_counter = time.process_time = lambda: calls[0] / 1000  # "ms" = calls


def _timed_phases(app):
    """Wrap each phase's function; returns the per-booking sums the timings add up in."""
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)

    def timed(function, name):
        def wrapper(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                wall[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu
        return wrapper

    for module, attribute, name in PHASES:
        if hasattr(module, attribute):
            setattr(module, attribute, timed(getattr(module, attribute), name))
    # The API module calls serialise.booking() through the module: wrap it there.
    serialise.booking = timed(serialise.booking, "answer")
    # The flush and the COMMIT: session methods, timed through the session class.
    with app.app_context():
        session_class = type(db.session())
    session_class.flush = timed(session_class.flush, "flush")
    session_class.commit = timed(session_class.commit, "commit")
    return wall, cpu


if __name__ == "__main__":
    main()
