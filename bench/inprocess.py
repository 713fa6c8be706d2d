"""Each path of issue 16 in-process, against /health of the same app: medians, interleaved.

No HTTP and no load generator: the Flask app is called as WSGI, one request at a time, so the
figures show the application's own cost even on a busy machine (where wrk's ratios swing with
the scheduler). Seeds as bench/read_paths.py does.

    .venv/bin/python bench/inprocess.py                     # SQLite
    .venv/bin/python bench/inprocess.py --database postgresql --rounds 200
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from calendar_pages import PASSWORD  # noqa: E402
from read_paths import _seed  # noqa: E402

from booking.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--paths", type=lambda s: s.split(","), default=None,
                        help="besides health: booking,feed_304,week,timeline")
    args = parser.parse_args()
    with harness.database(args.database) as url:
        world = _seed(url, args.bookings)
        app = harness.app_for(url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
        signed_in = app.test_client()
        signed_in.post("/login", data={"email": "viewer@bench.org", "password": PASSWORD})
        anonymous = app.test_client()
        feed = world["paths"]["feed"]
        etag = anonymous.get(feed).headers["ETag"]
        slots = iter(range(1_000_000))
        start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + \
            timedelta(days=600)

        def book():
            begin = start + timedelta(hours=next(slots))
            answer = anonymous.post("/api/v1/bookings", headers={
                "Authorization": f"Bearer {world['token']}"}, json={
                "resource_id": world["sequential_lab"], "start": begin.isoformat(),
                "end": (begin + timedelta(minutes=30)).isoformat()})
            assert answer.status_code == 201

        paths = {
            "health": lambda: anonymous.get("/health"),
            "booking": book,
            "feed_304": lambda: anonymous.get(feed, headers={"If-None-Match": etag}),
            "week": lambda: signed_in.get(world["paths"]["week"]),
            "timeline": lambda: signed_in.get(world["paths"]["timeline"]),
        }
        if args.paths:
            paths = {k: v for k, v in paths.items() if k == "health" or k in args.paths}
        times = {name: [] for name in paths}
        for name, call in paths.items():
            for _ in range(3):
                call()
        for round_ in range(args.rounds):
            for name, call in paths.items():
                if name == "timeline" and round_ % 5:
                    continue  # the slow page: a fifth as often
                started = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - started)
        calls = {name: _calls(call) for name, call in paths.items()}
        with app.app_context():
            db.engine.dispose()
    base = statistics.median(times["health"])
    print(f"{args.database}: medians of {args.rounds} interleaved rounds, in-process")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:10} {median * 1000:8.2f} ms   health ÷ path {base / median:6.3f}   "
              f"{calls[name]:7,} Python calls (health ÷ path {calls['health'] / calls[name]:.3f})")


def _calls(call) -> int:
    """Python function calls of one request: the same on an idle or a busy machine."""
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    return pstats.Stats(profiler).total_calls


if __name__ == "__main__":
    main()
