"""CPU time per phase of the timeline and the week view, in-process (time.process_time).

Python calls (cProfile) count every resumption of a Jinja generator as a call, which makes a
template look dearer than it is; CPU time per phase does not, and a busy machine changes it far
less than wall time. Seeds as bench/read_paths.py does.

    .venv/bin/python bench/calendar_phases.py                 # SQLite
    .venv/bin/python bench/calendar_phases.py --no-gc         # the same without the collector
    .venv/bin/python bench/calendar_phases.py --database postgresql
    .venv/bin/python bench/calendar_phases.py --page-cache    # repeated pages from the cache

Without --page-cache every page is computed from the database (CALENDAR_CACHE_SIZE=0), which
is what the phases are about; with it, each page after the first is reused.
"""

from __future__ import annotations

import argparse
import collections
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from calendar_pages import PASSWORD  # noqa: E402
from read_paths import _seed  # noqa: E402

import booking.views.calendar as view  # noqa: E402

spent: dict[str, float] = collections.defaultdict(float)


def _time(owner, name: str, label: str) -> None:
    if not hasattr(owner, name):
        return  # an older checkout without that phase
    real = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started
    setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--no-gc", action="store_true")
    parser.add_argument("--page-cache", action="store_true")
    args = parser.parse_args()
    _time(view.calendar_service, "timeline", "read")
    _time(view.calendar_service, "resource_bookings", "read")
    _time(view.grid_model, "timeline", "grid model")
    _time(view.grid_model, "time_grid", "grid model")
    if hasattr(view, "calendar_cells"):
        _time(view.calendar_cells, "timeline_rows", "cells")
        _time(view.calendar_cells, "column_items", "cells")
    _time(view, "render_template", "render_template (with the week's cells)")
    if args.no_gc:
        gc.disable()
    with harness.database(args.database) as url:
        world = _seed(url, args.bookings)
        app = harness.app_for(url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                              CALENDAR_CACHE_SIZE=128 if args.page_cache else 0)
        client = app.test_client()
        client.post("/login", data={"email": "viewer@bench.org", "password": PASSWORD})
        for path, count in (("timeline", 20), ("week", 60)):
            for _ in range(3):
                client.get(world["paths"][path])
            spent.clear()
            total = 0.0
            for _ in range(count):
                started = time.process_time()
                assert client.get(world["paths"][path]).status_code == 200
                total += time.process_time() - started
            print(f"{path}: CPU {total / count * 1000:.1f} ms per request; " + "; ".join(
                f"{label} {seconds / count * 1000:.1f}" for label, seconds in spent.items()))


if __name__ == "__main__":
    main()
