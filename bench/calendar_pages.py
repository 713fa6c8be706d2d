"""How heavy are the calendar pages with 100,000 bookings in the database?

Loads a throw-away database with 50 resources and 100,000 bookings (a quarter of them on
one busy lab, booked hour after hour for years), serves the app on 127.0.0.1 with
werkzeug in a thread, signs in, and requests, interleaved, each many times:

    GET /health                                  the bare endpoint: the yardstick
    GET /resources/<busy lab>/calendar?date=...  a week of the busy resource
    GET /calendar?date=...                       the day timeline of all 50 resources

For each it prints the SQL statements per request (counted with a before_cursor_execute
listener on the app's engine: they must not grow with bookings or resources, so the same
pages are also counted in an empty week) and the median and 90th-percentile time, and the
median as a multiple of /health's median on the same server in the same run.

    .venv/bin/python bench/calendar_pages.py                      # SQLite in a temp folder
    .venv/bin/python bench/calendar_pages.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/calendar_pages.py --bookings 10000 --requests 20   # quicker

PostgreSQL: a database booking_bench_cal_<random> is created on that server and dropped at
the end. See bench/calendar.md for figures.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booking import create_app, normalise_database_url  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import (AvailabilityWindow, Booking, Organisation, Resource,  # noqa: E402
                            User)

ZONE = ZoneInfo("Asia/Shanghai")
PASSWORD = "bench-password-123"
RESOURCES = 50
BUSY_SHARE = 0.25  # of all bookings, on the one busy lab
HOURS = range(8, 20)  # opening hours 08:00-20:00; bookings fill them but one hour a day


def main() -> None:
    args = _arguments()
    anchor = _monday(date.today() + timedelta(days=60))  # a future week: free time is offered
    with _database(args.postgres) as url:
        app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        started = time.perf_counter()
        with app.app_context():
            db.create_all()
            busy = _load(args.bookings, anchor)
            total = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("VACUUM ANALYZE")
            dialect = db.engine.dialect.name
        print(f"{dialect}: {total:,} bookings on {RESOURCES} resources "
              f"({args.bookings * BUSY_SHARE:,.0f} on the busy lab), loaded in "
              f"{time.perf_counter() - started:.1f} s; week of {anchor}; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        _measure(app, busy, anchor, args.requests)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: SQLite)")
    return parser.parse_args()


@contextmanager
def _database(postgres: str | None):
    if not postgres:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    base = sa.make_url(normalise_database_url(postgres))
    name = f"booking_bench_cal_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _load(count: int, anchor: date) -> int:
    """Two organisations, a viewer, 50 labs, and *count* one-hour bookings; the busy lab's id."""
    school = Organisation(name="Bench School", kind="school")
    studio = Organisation(name="Bench Studio", kind="enterprise")
    viewer = User(email="viewer@bench.org", name="Viewer", organisation=school)
    viewer.set_password(PASSWORD)
    other = User(email="other@bench.org", name="Other", organisation=studio, password_hash="x")
    resources = [Resource(organisation=studio, kind="facility", name=f"Lab {i:02d}",
                          capacity=24 if i % 10 == 9 else 1, longest_occupied_minutes=60,
                          windows=[AvailabilityWindow(weekday=d, start_time=clock(HOURS[0]),
                                                      end_time=clock(HOURS[-1] + 1))
                                   for d in range(5)])
                 for i in range(RESOURCES)]
    db.session.add_all([school, studio, viewer, other, *resources])
    db.session.commit()
    busy_count = int(count * BUSY_SHARE)
    rest = count - busy_count
    plan = [(resources[0], busy_count)] + [
        (r, rest // (RESOURCES - 1) + (1 if i < rest % (RESOURCES - 1) else 0))
        for i, r in enumerate(resources[1:])]
    rows = itertools.chain.from_iterable(
        _bookings(resource, n, anchor, viewer.id, other.id, school.id, studio.id)
        for resource, n in plan)
    table = Booking.__table__
    while chunk := list(itertools.islice(rows, 5000)):
        db.session.execute(table.insert(), chunk)
    db.session.commit()
    return resources[0].id


def _bookings(resource: Resource, n: int, anchor: date, viewer: int, other: int,
              school: int, studio: int):
    """n one-hour bookings on weekdays around *anchor*, leaving one hour a day free."""
    per_day = len(HOURS) - 1
    days = -(-n // per_day)
    weekdays = [d for d in (anchor + timedelta(days=k) for k in range(-days * 7 // 10,
                                                                        days * 2))
                if d.weekday() < 5]
    # Centre the days on the anchor week, so the measured pages are full.
    start = max(weekdays.index(anchor) - days // 2, 0)
    made = 0
    for day in weekdays[start:]:
        free_hour = HOURS[day.toordinal() % len(HOURS)]
        for hour in HOURS:
            if made == n:
                return
            if hour == free_hour:
                continue
            begin = datetime.combine(day, clock(hour), ZONE).astimezone(timezone.utc)
            end = begin + timedelta(hours=1)
            mine = (made + resource.id) % 3 == 0
            yield {"uid": uuid.uuid4().hex, "resource_id": resource.id,
                   "user_id": viewer if mine else other,
                   "organisation_id": school if mine else studio,
                   "title": f"Session {made}", "start_at": begin, "end_at": end,
                   "occupied_start_at": begin, "occupied_end_at": end,
                   "quantity": 1, "exclusive": resource.capacity == 1,
                   "status": "pending" if made % 10 == 0 else "confirmed",
                   "sequence": 0, "created_at": begin, "updated_at": begin,
                   "decision_reason": ""}
            made += 1


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _measure(app, busy: int, anchor: date, requests: int) -> None:
    counter = {"n": 0}
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        counter["n"] += 1

    server = make_server("127.0.0.1", 0, app, request_handler=_Quiet)  # one request at a time
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    cookie = _sign_in(port)
    empty = anchor + timedelta(weeks=520)  # ten years on: no bookings at all
    pages = {
        "GET /health": "/health",
        "week of the busy lab": f"/resources/{busy}/calendar?date={anchor}",
        "day timeline, 50 resources": f"/calendar?date={anchor + timedelta(days=1)}",
    }
    empty_pages = {
        "week of the busy lab": f"/resources/{busy}/calendar?date={empty}",
        "day timeline, 50 resources": f"/calendar?date={empty + timedelta(days=1)}",
    }
    try:
        queries = {name: _queries(port, cookie, url, counter) for name, url in pages.items()}
        quiet = {name: _queries(port, cookie, url, counter) for name, url in empty_pages.items()}
        times = {name: [] for name in pages}
        for _ in range(3):  # warm up
            for url in pages.values():
                _get(port, cookie, url)
        for _ in range(requests):
            for name, url in pages.items():
                started = time.perf_counter()
                size = _get(port, cookie, url)
                times[name].append(time.perf_counter() - started)
            sizes = size
    finally:
        server.shutdown()
        thread.join(timeout=10)
    base = statistics.median(times["GET /health"])
    print(f"{'page':30} {'queries':>8} {'(empty week)':>13} {'median ms':>10} {'p90 ms':>8} "
          f"{'x /health':>10}")
    for name in pages:
        series = sorted(times[name])
        median, p90 = statistics.median(series), series[int(len(series) * 0.9) - 1]
        print(f"{name:30} {queries[name]:>8} {quiet.get(name, '-'):>13} {median * 1000:>10.1f} "
              f"{p90 * 1000:>8.1f} {median / base:>10.1f}")
    print(f"({requests} timed requests per page, interleaved; last timeline page {sizes:,} bytes)")


def _sign_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/login", body=urlencode({"email": "viewer@bench.org",
                                                   "password": PASSWORD}),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookies = [c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or ()]
    cookie = next((c for c in cookies if c.startswith("session=")), "")
    if response.status != 302 or not cookie:
        raise SystemExit(f"could not sign in: {response.status}")
    return cookie


def _get(port: int, cookie: str, url: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", url, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {url}: {response.status}")
    return len(body)


def _queries(port: int, cookie: str, url: str, counter: dict) -> int:
    counter["n"] = 0
    _get(port, cookie, url)
    return counter["n"]


if __name__ == "__main__":
    main()
