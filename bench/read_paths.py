"""Every row of issue 16's table, as a ratio to GET /health of the same server in the same run.

For each database (SQLite in a temp folder, PostgreSQL in a throw-away database) this loads
50 labs and --bookings one-hour bookings (a quarter on one busy lab; bench/calendar_pages.py
makes them), plus 8 open labs to book on, signs a viewer in through the login form, makes an
API token and a subscription feed of the busy lab, starts gunicorn (--workers sync workers)
and drives it with wrk (8 connections, --seconds each), health runs between the others:

    health, booking, health, feed 304, health, timeline, health, week, health

Each path's ratio is its req/s over the mean of the two health runs around it; with
--rounds N the whole sequence (health runs between) is run N times and the median ratio is
reported, each round's beside it (on a shared 2-core machine one run swings by a third). Then, one
request after another on one connection at a time: --sequential bookings on a fresh lab and
as many /health, medians. Statements per request are counted in-process (Flask test client,
a before_cursor_execute listener) for each path.

    .venv/bin/python bench/read_paths.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/read_paths.py --databases sqlite --seconds 5
    .venv/bin/python bench/read_paths.py --json /tmp/figures.json
    .venv/bin/python bench/read_paths.py --rounds 3 --sequential 50      # medians of 3 rounds
    .venv/bin/python bench/read_paths.py --only timeline,week --no-page-cache   # cold pages

Needs wrk (`apt-get install wrk`). See bench/speed.md for figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from calendar_pages import PASSWORD, _load, _monday  # noqa: E402

from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, Resource, User  # noqa: E402
from booking.services.api_tokens import create_token  # noqa: E402
from booking.services.feeds import create_feed  # noqa: E402

BOOKING_LABS = 8
SLOT = 30 * 60
BOOKING_DAYS_PER_ROUND = 60

# Each wrk thread books its own labs, slot after slot: fresh times that never clash.
BOOKING_SCRIPT = """
local token, base, slot, per_thread = "%(token)s", %(base)d, %(slot)d, %(per)d
local labs = {%(labs)s}
local counter, made = 0, 0
id = 0
function setup(thread)
  thread:set("id", made)
  made = made + 1
end
function request()
  local lab = labs[id * per_thread + counter %% per_thread + 1]
  local start = base + math.floor(counter / per_thread) * slot
  counter = counter + 1
  local body = string.format(
    '{"resource_id": %%d, "start": "%%s", "end": "%%s", "title": "bench"}', lab,
    os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", start), os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", start + slot))
  return wrk.format("POST", "/api/v1/bookings",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
"""


def main() -> None:
    args = _arguments()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; gunicorn "
          f"{args.workers} {args.worker_class} workers x {args.threads} threads; wrk 2 threads "
          f"x 8 connections, {args.seconds:g} s each; calendar page cache "
          f"{'off' if args.no_page_cache else 'on'}")
    results = {}
    for kind in args.databases:
        with harness.database(kind) as url:
            world = _seed(url, args.bookings)
            statements = _count_statements(url, world, page_cache=not args.no_page_cache)
            env = {"CALENDAR_CACHE_SIZE": "0"} if args.no_page_cache else None
            with harness.gunicorn(url, args.workers, worker_class=args.worker_class,
                                  threads=args.threads, env=env) as port:
                cookie = _sign_in(port)
                results[kind] = _measure(port, cookie, world, args)
            results[kind]["statements"] = statements
            _report(kind, results[kind], world)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", type=lambda s: s.split(","),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", help="gunicorn's, e.g. gthread")
    parser.add_argument("--threads", type=int, default=1, help="per worker (gthread)")
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--only", type=lambda s: s.split(","), default=None,
                        help="paths to run: booking,feed_304,timeline,week")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="compute every calendar page from the database (CALENDAR_CACHE_SIZE=0): "
                             "wrk asks the same page again and again, which the cache answers")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every path this many times; the median ratio is reported")
    parser.add_argument("--json")
    return parser.parse_args()


def _seed(url: str, bookings: int) -> dict:
    anchor = _monday(date.today() + timedelta(days=60))
    app = harness.app_for(url)
    with app.app_context():
        db.create_all()
        busy = _load(bookings, anchor)
        viewer = db.session.scalar(sa.select(User).where(User.email == "viewer@bench.org"))
        owner = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "enterprise"))
        labs = [Resource(organisation=owner, kind="facility", name=f"Open lab {i}")
                for i in range(BOOKING_LABS + 1)]
        db.session.add_all(labs)
        db.session.commit()
        _token, secret = create_token(viewer, "bench")
        busy_resource = db.session.get(Resource, busy)
        _feed, feed_token = create_feed(viewer, "resource", busy)
        in_window = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.resource_id == busy,
            Booking.start_at > datetime.now(timezone.utc) - timedelta(days=90),
            Booking.start_at < datetime.now(timezone.utc) + timedelta(days=365)))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        world = {"anchor": anchor, "busy": busy, "labs": [lab.id for lab in labs[:-1]],
                 "sequential_lab": labs[-1].id, "token": secret, "feed": feed_token,
                 "feed_bookings": in_window, "busy_name": busy_resource.name}
        db.engine.dispose()
    world["paths"] = {
        "timeline": f"/calendar?date={anchor + timedelta(days=1)}",
        "week": f"/resources/{busy}/calendar?date={anchor}",
        "feed": f"/feeds/{feed_token}.ics",
    }
    return world


def _sign_in(port: int) -> str:
    status, headers, body = harness.request(port, "GET", "/login")
    session = headers["set-cookie"].split(";", 1)[0]
    csrf = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
    if csrf is None:
        csrf = re.search(rb'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"',
                         body)
    form = {"email": "viewer@bench.org", "password": PASSWORD,
            "csrf_token": csrf.group(1).decode()}
    status, headers, _body = harness.request(
        port, "POST", "/login", body=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": session})
    if status != 302:
        raise SystemExit(f"could not sign in: {status}")
    cookie = headers["set-cookie"].split(";", 1)[0]
    # As a browser: follow to the page signing in leads to, keeping the cookie it updates
    # (what that page took out of the session, or a CSRF token it put in), so that wrk's
    # fixed cookie is a settled session's, as a person's browser sends after a page or two.
    _status, headers, _body = harness.request(port, "GET", headers["location"],
                                              headers={"Cookie": cookie})
    if headers.get("set-cookie", "").startswith(cookie.split("=", 1)[0] + "="):
        cookie = headers["set-cookie"].split(";", 1)[0]
    return cookie


def _measure(port: int, cookie: str, world: dict, args) -> dict:
    paths = world["paths"]
    status, headers, _ = harness.request(port, "GET", paths["feed"])
    assert status == 200, status
    etag = headers["etag"]
    # Warm up: every worker imports, connects, compiles templates and fills its feed cache.
    for _ in range(6):
        harness.request(port, "GET", paths["feed"])
        for name in ("timeline", "week"):
            harness.request(port, "GET", paths[name], headers={"Cookie": cookie})
    harness.load(port, "/health", seconds=1)
    base = int((datetime.now(timezone.utc) + timedelta(days=1)).timestamp()) // 86400 * 86400
    rounds = iter(range(args.rounds))

    def booking_script() -> str:
        """wrk's script for one round, on days no earlier round booked (a round books a few
        days' worth of half-hour slots on the open labs)."""
        first = base + next(rounds) * BOOKING_DAYS_PER_ROUND * 86400
        return BOOKING_SCRIPT % {
            "token": world["token"], "base": first, "slot": SLOT, "per": BOOKING_LABS // 2,
            "labs": ", ".join(map(str, world["labs"]))}

    runs = {
        "booking": lambda: harness.load(port, seconds=args.seconds, script=booking_script()),
        "feed_304": lambda: harness.load(port, paths["feed"], seconds=args.seconds,
                                         headers={"If-None-Match": etag}),
        "timeline": lambda: harness.load(port, paths["timeline"], seconds=args.seconds,
                                         headers={"Cookie": cookie}),
        "week": lambda: harness.load(port, paths["week"], seconds=args.seconds,
                                     headers={"Cookie": cookie}),
    }
    figures: dict = {"health": [harness.load(port, seconds=args.seconds).as_dict()]}
    harness.settle(port)
    # Each round runs every path between two health runs: a ratio is a path's req/s over the
    # health runs around it. On a machine whose speed swings from one run to the next, the
    # median of several rounds is the figure, with their range beside it.
    for _round in range(args.rounds):
        for name, run in runs.items():
            if args.only and name not in args.only:
                continue
            result = run().as_dict()
            harness.settle(port)
            figures["health"].append(harness.load(port, seconds=args.seconds).as_dict())
            harness.settle(port)
            around = figures["health"][-2:]
            result["ratio"] = result["per_second"] / statistics.mean(
                h["per_second"] for h in around)
            figures.setdefault(name, []).append(result)
    figures["sequential"] = _sequential(port, world, args.sequential)
    figures["load_average"] = os.getloadavg()[0]
    return figures


def _sequential(port: int, world: dict, count: int) -> dict:
    """One booking after another (a fresh connection each, as wrk's), and as many /health."""
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=400)
    headers = {"Authorization": f"Bearer {world['token']}", "Content-Type": "application/json"}
    booking, health = [], []
    for n in range(count):
        begin = start + timedelta(seconds=SLOT * n)
        body = json.dumps({"resource_id": world["sequential_lab"], "start": begin.isoformat(),
                           "end": (begin + timedelta(seconds=SLOT)).isoformat()})
        started = time.perf_counter()
        status, _h, answer = harness.request(port, "POST", "/api/v1/bookings", body=body,
                                             headers=headers)
        booking.append(time.perf_counter() - started)
        assert status == 201, (status, answer[:300])
        started = time.perf_counter()
        harness.request(port, "GET", "/health")
        health.append(time.perf_counter() - started)
    return {"booking_ms": harness.median_ms(booking), "health_ms": harness.median_ms(health)}


def _count_statements(url: str, world: dict, *, page_cache: bool = True) -> dict:
    """SQL statements per request of each path, in-process (the test client); the second
    request of each, so a calendar page comes from the page cache unless it is off."""
    app = harness.app_for(url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                          **({} if page_cache else {"CALENDAR_CACHE_SIZE": 0}))
    counted = {"n": 0}
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        counted["n"] += 1

    def count(call) -> int:
        call()  # the first of each: caches fill
        counted["n"] = 0
        call()
        return counted["n"]

    client = app.test_client()
    client.post("/login", data={"email": "viewer@bench.org", "password": PASSWORD},
                follow_redirects=True)
    feed = world["paths"]["feed"]
    etag = client.get(feed).headers["ETag"]
    slot = iter(range(10_000))
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=800)

    def book():
        begin = start + timedelta(hours=next(slot))
        answer = client.post("/api/v1/bookings", headers={
            "Authorization": f"Bearer {world['token']}"}, json={
            "resource_id": world["sequential_lab"], "start": begin.isoformat(),
            "end": (begin + timedelta(minutes=30)).isoformat()})
        assert answer.status_code == 201, answer.get_data(as_text=True)[:300]

    figures = {
        "health": count(lambda: client.get("/health")),
        "booking": count(book),
        "feed_304": count(lambda: client.get(feed, headers={"If-None-Match": etag})),
        "timeline": count(lambda: client.get(world["paths"]["timeline"])),
        "week": count(lambda: client.get(world["paths"]["week"])),
    }
    with app.app_context():
        db.engine.dispose()
    return figures


LABELS = {"booking": "POST /api/v1/bookings", "feed_304": "feed answered 304",
          "timeline": "day timeline, 50 resources", "week": "week of the busy lab"}


def _report(kind: str, figures: dict, world: dict) -> None:
    health = [round(h["per_second"]) for h in figures["health"]]
    print(f"\n{kind}: health runs {health} req/s; feed of {world['feed_bookings']} bookings; "
          f"load average {figures['load_average']:.1f}")
    print(f"{'path':30} {'req/s':>8} {'p50 ms':>8} {'÷ health':>9} {'statements':>11}  "
          "rounds' ratios, statuses")
    statements = figures["statements"]
    print(f"{'GET /health':30} {'':>8} {'':>8} {'1':>9} {statements['health']:>11}")
    for name, label in LABELS.items():
        if name not in figures:
            continue
        rounds = figures[name]
        ratios = [run["ratio"] for run in rounds]
        statuses: dict = {}
        for run in rounds:
            for status, number in run["statuses"].items():
                statuses[status] = statuses.get(status, 0) + number
        spread = ", ".join(f"{ratio:.3f}" for ratio in ratios) if len(rounds) > 1 else ""
        print(f"{label:30} {statistics.median(r['per_second'] for r in rounds):8.0f} "
              f"{statistics.median(r['p50_ms'] for r in rounds):8.1f} "
              f"{statistics.median(ratios):9.3f} {statements[name]:>11}  "
              f"{'[' + spread + '] ' if spread else ''}{statuses}")
    seq = figures["sequential"]
    print(f"one booking after another: median {seq['booking_ms']:.1f} ms "
          f"(/health {seq['health_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
