"""What one statement costs through session.execute, Connection.execute and booking.prepared.

Seeds a small database as bench/read_paths.py does, then runs the feed's poll (a 6-table join
of ~100 columns, every 304's one statement) and a booking's occupancy read --runs times each
way, and prints the CPU microseconds per run (time.process_time, this process only).

    .venv/bin/python bench/prepared.py [--database postgresql] [--runs 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from read_paths import _seed  # noqa: E402

from booking.db_types import utcnow  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking  # noqa: E402
from booking.prepared import Prepared  # noqa: E402
from booking.services import checks, feed_state  # noqa: E402
from booking.services.feeds import token_hash  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    with harness.database(args.database) as url:
        world = _seed(url, 500)
        app = harness.app_for(url)
        token = world["feed"]  # the feed's secret token, as _seed made it
        with app.app_context():
            now = utcnow()
            cases = {
                "feed poll": (feed_state._poll_statement("token_hash"),
                              {"key": token_hash(token)}),
                "occupancy read": (
                    checks._occupying_statement((Booking.id, Booking.occupied_start_at,
                                                 Booking.occupied_end_at, Booking.quantity)),
                    {"resource_id": world["sequential_lab"], "earliest_start": now,
                     "span_end": now + timedelta(days=30), "span_start": now})}
            print(f"{args.database}: CPU µs per run, {args.runs} runs each")
            for name, (statement, params) in cases.items():
                prepared = Prepared(statement)
                ways = {"session.execute": lambda: db.session.execute(statement, params).all(),
                        "Connection.execute": lambda: db.session.connection().execute(
                            statement, params).all(),
                        "prepared": lambda: prepared.rows(params)}
                assert len({tuple(map(tuple, way())) for way in ways.values()}) == 1
                figures = ", ".join(f"{way} {_cost(run, args.runs):.1f}"
                                    for way, run in ways.items())
                print(f"  {name}: {figures}")
            db.session.rollback()
            db.engine.dispose()


def _cost(run, runs: int) -> float:
    run()
    started = time.process_time()
    for _ in range(runs):
        run()
    return (time.process_time() - started) / runs * 1e6


if __name__ == "__main__":
    main()
