"""How fast does the API book, next to the bare health endpoint of the same server?

Starts gunicorn (as many sync workers as cores) on 127.0.0.1 over a throw-away database,
then drives it with wrk when it is installed (`apt-get install wrk`), else with the load
generator in this script (processes of threads, each with its own http.client connection);
--client chooses. Three measurements of --seconds each, in one run: GET /health,
POST /api/v1/bookings on fresh (never clashing) times, GET /health again. Prints requests
per second, p50/p99 latency, and bookings/s as a share of health requests/s. Afterwards it
checks that every 201 is one stored booking and that no two bookings of a resource overlap.

    .venv/bin/python bench/api_throughput.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/api_throughput.py --databases sqlite --seconds 5
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/api_throughput.py --databases postgresql

PostgreSQL: a database named booking_bench_<random> is created through the URL's server and
dropped at the end. Only loopback is used. See bench/api.md for figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booking import create_app  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, Resource, User  # noqa: E402
from booking.services.api_tokens import create_token  # noqa: E402

import harness  # noqa: E402  (bench/: gunicorn on a free port, as every benchmark here)

HOST = "127.0.0.1"
SLOT = timedelta(minutes=30)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    args = _arguments()
    print(f"gunicorn: {args.workers} sync workers; load: {args.client}, {args.processes} x "
          f"{args.threads} threads; {args.seconds:g} s per measurement; {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    results = []
    for name in args.databases:
        with harness.database(name, args.postgres) as url:
            resources, token = _seed(url, args.processes * args.threads)
            with harness.gunicorn(url, args.workers) as port:
                runs = _measure_all(port, token, resources, args)
            results.append((name, runs, _verify(url)))
    _report(results, args)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", type=lambda s: s.split(","),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per process")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             DEFAULT_POSTGRES))
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator; auto: wrk when installed")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    return args


def _seed(url: str, count: int) -> tuple[list[int], str]:
    """Tables, an offering and a booking organisation, one resource per connection, a token."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        owner = Organisation(name="Bench enterprise", kind="enterprise")
        school = Organisation(name="Bench school", kind="school")
        user = User(email="bench@school.example", name="Bench", organisation=school,
                    password_hash="unused")
        resources = [Resource(organisation=owner, kind="facility", name=f"Lab {i}")
                     for i in range(count)]
        db.session.add_all([owner, school, user, *resources])
        db.session.commit()
        _token, secret = create_token(user, "bench")
        ids = [r.id for r in resources]
        db.engine.dispose()
    return ids, secret


def _measure_all(port: int, token: str, resources: list[int], args) -> dict:
    # A short warm-up: each worker imports the app and opens its pool on first use.
    _run(port, "health", token, resources, 1.0, args)
    return {"health_before": _run(port, "health", token, resources, args.seconds, args),
            "booking": _run(port, "booking", token, resources, args.seconds, args),
            "health_after": _run(port, "health", token, resources, args.seconds, args)}


def _run(port: int, kind: str, token: str, resources: list[int], seconds: float, args) -> dict:
    """Drive one kind of request for *seconds*; requests per second, latencies, statuses."""
    if args.client == "wrk":
        return _run_wrk(port, kind, token, resources, seconds, args)
    return _run_python(port, kind, token, resources, seconds, args)


def _run_python(port: int, kind: str, token: str, resources: list[int], seconds: float,
                args) -> dict:
    """All processes at once, each thread on its own resource; pool their latencies."""
    jobs = [(port, kind, token, resources[p * args.threads:(p + 1) * args.threads], seconds,
             p) for p in range(args.processes)]
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        parts = pool.starmap(_client_process, jobs)
    latencies = sorted(x for part in parts for x in part["latencies"])
    statuses: dict[str, int] = {}
    for part in parts:
        for status, n in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    elapsed = max(part["elapsed"] for part in parts)
    assert elapsed <= seconds + 5 and time.monotonic() - started < seconds + 60
    return {"requests": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": _percentile(latencies, 50) * 1000,
            "p99_ms": _percentile(latencies, 99) * 1000, "statuses": statuses}


def _client_process(port: int, kind: str, token: str, resources: list[int], seconds: float,
                    process: int) -> dict:
    """One load-generator process: a thread per resource, each on its own connection."""
    results = []
    start_at = time.monotonic() + 0.2  # all threads begin together
    threads = [threading.Thread(target=_client_thread, args=(
        port, kind, token, resource, start_at, seconds, results)) for resource in resources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = [x for r in results for x in r[0]]
    statuses: dict[str, int] = {}
    for _lat, counted in results:
        for status, n in counted.items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    return {"latencies": latencies, "statuses": statuses, "elapsed": seconds}


def _client_thread(port: int, kind: str, token: str, resource: int, start_at: float,
                   seconds: float, results: list) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Each resource gets its own run of back-to-back slots: fresh times that never clash.
    first = (datetime.now(timezone.utc) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    latencies, statuses, n = [], {}, 0
    time.sleep(max(0.0, start_at - time.monotonic()))
    deadline = start_at + seconds
    while (now := time.monotonic()) < deadline:
        if kind == "health":
            conn.request("GET", "/health")
        else:
            start = first + n * SLOT
            body = json.dumps({"resource_id": resource, "start": start.isoformat(),
                               "end": (start + SLOT).isoformat(), "title": "bench"})
            conn.request("POST", "/api/v1/bookings", body=body, headers=headers)
            n += 1
        response = conn.getresponse()
        response.read()
        latencies.append(time.monotonic() - now)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    conn.close()
    results.append((latencies, statuses))


# wrk runs one Lua state per thread: each thread books its own resources, slot after slot.
_WRK_SCRIPT = """
local kind, token, base, slot, per_thread = "%(kind)s", "%(token)s", %(base)d, %(slot)d, %(per)d
local resources = {%(resources)s}
local counter, made = 0, 0
id = 0  -- a global: setup() below sets it in each thread's own state
function setup(thread)
  thread:set("id", made)
  made = made + 1
end
function request()
  if kind == "health" then
    return wrk.format("GET", "/health")
  end
  local resource = resources[id * per_thread + counter %% per_thread + 1]
  local start = base + math.floor(counter / per_thread) * slot
  counter = counter + 1
  local body = string.format(
    '{"resource_id": %%d, "start": "%%s", "end": "%%s", "title": "bench"}', resource,
    os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", start), os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", start + slot))
  return wrk.format("POST", "/api/v1/bookings",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "other_status": %%d, "socket_errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d}\\n', summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def _run_wrk(port: int, kind: str, token: str, resources: list[int], seconds: float,
             args) -> dict:
    """wrk with one thread per load process and --threads connections each."""
    base = int((datetime.now(timezone.utc) + timedelta(days=1)).timestamp()) // 86400 * 86400
    script = _WRK_SCRIPT % {"kind": kind, "token": token, "base": base,
                            "slot": int(SLOT.total_seconds()), "per": args.threads,
                            "resources": ", ".join(map(str, resources))}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        output = subprocess.run(
            ["wrk", "-t", str(args.processes), "-c", str(args.processes * args.threads),
             "-d", f"{seconds:g}s", "--timeout", "30s", "-s", lua.name,
             f"http://{HOST}:{port}/"], capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK "))
    figures = json.loads(line[4:])
    good = figures["requests"] - figures["other_status"]
    statuses = {"200" if kind == "health" else "201": good}
    if figures["other_status"]:
        statuses["other"] = figures["other_status"]
    if figures["socket_errors"]:
        statuses["socket errors"] = figures["socket_errors"]
    return {"requests": figures["requests"],
            "per_second": figures["requests"] / (figures["duration_us"] / 1e6),
            "p50_ms": figures["p50_us"] / 1000, "p99_ms": figures["p99_us"] / 1000,
            "statuses": statuses}


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def _verify(url: str) -> tuple[int, int]:
    """Every 201 stored exactly once, and no two bookings of one resource overlap."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        first, second = sa.orm.aliased(Booking), sa.orm.aliased(Booking)
        overlaps = db.session.scalar(sa.select(sa.func.count()).select_from(first).join(
            second, sa.and_(first.resource_id == second.resource_id, first.id < second.id,
                            first.start_at < second.end_at, second.start_at < first.end_at)))
        stored = db.session.scalar(sa.select(sa.func.count(Booking.id)))
        db.engine.dispose()
    return stored, overlaps


def _report(results: list, args) -> None:
    print()
    print(f"{'database':<11} {'measurement':<13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  "
          "statuses")
    figures = {}
    for name, runs, (stored, overlaps) in results:
        for label, run in runs.items():
            print(f"{name:<11} {label:<13} {run['per_second']:8.0f} {run['p50_ms']:8.1f} "
                  f"{run['p99_ms']:8.1f}  {run['statuses']}")
        health = (runs["health_before"]["per_second"] + runs["health_after"]["per_second"]) / 2
        ratio = runs["booking"]["per_second"] / health
        created = runs["booking"]["statuses"].get("201", 0)
        print(f"{name:<11} bookings/s as a share of health req/s: {ratio:.2f}; "
              f"{created} created, {stored} stored, {overlaps} overlapping pairs")
        figures[name] = {**runs, "ratio": ratio, "stored": stored, "overlaps": overlaps}
        # wrk stops with requests in flight: those may be stored without being counted.
        in_flight = args.processes * args.threads if args.client == "wrk" else 0
        if overlaps or not created <= stored <= created + in_flight:
            raise SystemExit(f"{name}: the bookings stored do not match the 201 answers")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
