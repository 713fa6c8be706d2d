"""Where each of issue 16's paths spends its time: cProfile over in-process requests.

Seeds a database as bench/read_paths.py does, then runs --requests requests of one path
through the Flask test client (no HTTP, one thread) under cProfile and prints the functions
with the most cumulative time, plus the SQL statements of one request.

    .venv/bin/python bench/profile_paths.py booking            # SQLite
    .venv/bin/python bench/profile_paths.py timeline --database postgresql --top 40
    paths: health, booking, feed_304, timeline, week
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from calendar_pages import PASSWORD  # noqa: E402
from read_paths import _seed  # noqa: E402

from booking.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", choices=["health", "booking", "feed_304", "timeline", "week"])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    parser.add_argument("--dump", help="also write the raw profile to this file (pstats)")
    args = parser.parse_args()
    with harness.database(args.database) as url:
        world = _seed(url, args.bookings)
        app = harness.app_for(url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
        client = app.test_client()
        client.post("/login", data={"email": "viewer@bench.org", "password": PASSWORD})
        call = _caller(client, world, args.path)
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _record(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        for _ in range(3):
            call()
        statements.clear()
        call()
        print(f"{len(statements)} statements in one request:")
        for statement in statements:
            print("  ", " ".join(statement.split())[:100], "...", " ".join(statement.split())[-200:])
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        elapsed = time.perf_counter() - started
        print(f"{args.requests} requests: {elapsed / args.requests * 1000:.2f} ms each "
              "(under the profiler)")
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        print(f"{stats.total_calls / args.requests:.0f} Python calls per request (cProfile)")
        stats.print_stats(args.top)
        if args.dump:
            stats.dump_stats(args.dump)
        if args.callers:
            stats.print_callers(args.callers)
        with app.app_context():
            db.engine.dispose()


def _caller(client, world: dict, path: str):
    paths = world["paths"]
    if path == "health":
        # Without the session cookie, as wrk asks it in read_paths.py.
        bare = client.application.test_client()
        return lambda: bare.get("/health")
    if path == "feed_304":
        # A calendar program polls without the browser's session cookie, as wrk does in
        # read_paths.py: a client of its own.
        poller = client.application.test_client()
        etag = poller.get(paths["feed"]).headers["ETag"]
        return lambda: _ok(poller.get(paths["feed"], headers={"If-None-Match": etag}), 304)
    if path in ("timeline", "week"):
        return lambda: _ok(client.get(paths[path]), 200)
    slots = iter(range(100_000))
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=500)

    def book():
        begin = start + timedelta(hours=next(slots))
        _ok(client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {world['token']}"},
                        json={"resource_id": world["sequential_lab"], "start": begin.isoformat(),
                              "end": (begin + timedelta(minutes=30)).isoformat()}), 201)
    return book


def _ok(response, status: int):
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:300])
    return response


if __name__ == "__main__":
    main()
