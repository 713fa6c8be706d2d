"""One feed lookup, five ways: what a 304's database read costs through each layer.

Seeds a database as bench/read_paths.py does and times, in one process, the lookup of the
benchmark's feed by its token hash (medians of --runs each, the ways interleaved in rounds):

- ORM query of the feed with its four joined rows (services.feeds.find_feed), in a transaction
  and outside one (autocommit);
- the poll's Core statement (services.feed_state.poll), in a transaction and outside one;
- on PostgreSQL, the poll's SQL by psycopg alone, prepared (the floor).

    .venv/bin/python bench/feed_lookup.py --database postgresql
    .venv/bin/python bench/feed_lookup.py --database sqlite
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from read_paths import _seed  # noqa: E402

from booking.bare import read_without_begin  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.services import feed_state, feeds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with harness.database(args.database) as url:
        world = _seed(url, 300)
        app = harness.app_for(url)
        token = world["feed"]  # the feed's secret token, as _seed made it
        wanted = feeds.hash_secret(token)
        orm, core = feeds._feed_statement(), feed_state._poll_statement("token_hash")
        with app.test_request_context("/"):
            ways = {
                "ORM, in a transaction": lambda: _run(orm, {"token_hash": wanted}, False),
                "ORM, autocommit": lambda: _run(orm, {"token_hash": wanted}, True),
                "Core poll, in a transaction": lambda: _run(core, {"key": wanted}, False),
                "Core poll, autocommit": lambda: _run(core, {"key": wanted}, True),
            }
            if args.database == "postgresql":
                ways["psycopg alone, prepared"] = _psycopg(core, wanted)
            times = {name: [] for name in ways}
            for _ in range(args.rounds):
                for name, way in ways.items():
                    for _ in range(args.runs):
                        started = time.perf_counter()
                        way()
                        times[name].append(time.perf_counter() - started)
            db.engine.dispose()
    print(f"{args.database}: one feed lookup, medians of {args.runs * args.rounds} runs")
    for name, values in times.items():
        print(f"  {name:30} {statistics.median(values) * 1000:6.3f} ms")


def _run(statement, params: dict, autocommit: bool) -> None:
    if autocommit:
        read_without_begin()  # PostgreSQL only; SQLite keeps its transaction
    db.session.execute(statement, params).first()
    db.session.close()


def _psycopg(statement, wanted: str):
    import psycopg

    compiled = statement.compile(db.engine)
    sql = str(compiled)
    params = {**compiled.params, "key": wanted}
    url = db.engine.url.set(drivername="postgresql")
    connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    return lambda: connection.execute(sql, params, prepare=True).fetchall()


if __name__ == "__main__":
    main()
