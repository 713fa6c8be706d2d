"""Shared pieces of the HTTP benchmarks: a throw-away database, gunicorn, wrk, latencies.

    with harness.database("sqlite") as url:              # or "postgresql"
        app = harness.app_for(url); ...seed with app...
        with harness.gunicorn(url, workers=2) as port:
            figures = harness.wrk(port, "/health", seconds=5)
            print(figures.per_second)

`wrk` is Debian's wrk 4.1 (`apt-get install wrk`); without it `load` falls back to a small
Python load generator (processes of threads, each on its own connection), which spends the
same cores as the server and so flatters expensive paths: prefer wrk. Only loopback is used.
A PostgreSQL database is created on the server of BENCH_POSTGRES_URL (default: the local
`postgres` database as user postgres) and dropped with FORCE at the end.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booking import create_app, normalise_database_url  # noqa: E402

HOST = "127.0.0.1"
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL",
                                  "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "bench"


@dataclass
class Figures:
    """One load run: requests per second, latency percentiles, answers by status."""

    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"requests": self.requests, "per_second": round(self.per_second, 1),
                "p50_ms": round(self.p50_ms, 2), "p99_ms": round(self.p99_ms, 2),
                "statuses": self.statuses}


@contextmanager
def database(kind: str, postgres: str = DEFAULT_POSTGRES):
    """A fresh, empty database URL of *kind* ("sqlite" or "postgresql"), removed afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="booking-bench-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin_url = sa.make_url(normalise_database_url(postgres))
    name = f"booking_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def app_for(url: str, **config):
    """The app over *url*, configured as gunicorn will run it (production settings)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                       "PUBLIC_URL": "http://booking.bench.example", **config})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(url: str, workers: int = 2, *, worker_class: str = "sync", threads: int = 1,
             port: int | None = None, env: dict | None = None):
    """gunicorn serving the app over *url* on a free loopback port; yields the port."""
    port = port or free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
               "--worker-class", worker_class, "--threads", str(threads),
               "--bind", f"{HOST}:{port}", "--log-level", "warning", "booking:create_app()"]
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                   "PUBLIC_URL": "http://booking.bench.example",
                   # this checkout's code, whichever checkout the venv was installed from
                   "PYTHONPATH": str(ROOT), **(env or {})}
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    try:
        _wait_until_up(port)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


# A GET with fixed headers; statuses counted per code (wrk only counts non-2xx/3xx).
_GET_SCRIPT = """
local path, headers = "%(path)s", {%(headers)s}
local counts = {}
function request() return wrk.format("GET", path, headers) end
"""

_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "other_status": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d}\\n', summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua one for our ASCII values


def wrk(port: int, path: str = "/health", *, seconds: float = 5, connections: int = 8,
        threads: int = 2, headers: dict[str, str] | None = None, script: str | None = None,
        ok: str = "2xx/3xx") -> Figures:
    """Drive the server with wrk for *seconds*: GET *path* with *headers*, or a Lua *script*
    (which must define request(); done() is added)."""
    if script is None:
        pairs = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}"
                          for k, v in (headers or {}).items())
        script = _GET_SCRIPT % {"path": path, "headers": pairs}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script + _DONE)
        lua.flush()
        output = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
             "--timeout", "30s", "-s", lua.name, f"http://{HOST}:{port}/"],
            capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK "))
    figures = json.loads(line[4:])
    statuses = {ok: figures["requests"] - figures["other_status"]}
    if figures["other_status"]:
        statuses["other"] = figures["other_status"]
    if figures["socket_errors"]:
        statuses["socket errors"] = figures["socket_errors"]
    return Figures(figures["requests"], figures["requests"] / (figures["duration_us"] / 1e6),
                   figures["p50_us"] / 1000, figures["p99_us"] / 1000, statuses)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def load(port: int, path: str = "/health", *, seconds: float = 5, connections: int = 8,
         headers: dict[str, str] | None = None, script: str | None = None) -> Figures:
    """wrk when installed, else the Python generator (GET only)."""
    if have_wrk():
        return wrk(port, path, seconds=seconds, connections=connections, headers=headers,
                   script=script)
    if script is not None:
        raise SystemExit("this measurement needs wrk: apt-get install wrk")
    return python_load(port, path, seconds=seconds, connections=connections, headers=headers)


def python_load(port: int, path: str, *, seconds: float, connections: int = 8,
                headers: dict[str, str] | None = None, processes: int = 2) -> Figures:
    """The fallback generator: *processes* processes of threads, closed loop."""
    per = max(1, connections // processes)
    jobs = [(port, path, headers or {}, seconds, per)] * processes
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.starmap(_client_process, jobs)
    latencies = sorted(x for part in parts for x in part[0])
    statuses: dict[str, int] = {}
    for _lat, counted in parts:
        for status, n in counted.items():
            statuses[status] = statuses.get(status, 0) + n
    return Figures(len(latencies), len(latencies) / seconds,
                   percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, statuses)


def _client_process(port, path, headers, seconds, threads):
    results: list = []
    deadline = time.monotonic() + seconds

    def run():
        latencies, statuses = [], {}
        while (started := time.monotonic()) < deadline:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            latencies.append(time.monotonic() - started)
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        results.append((latencies, statuses))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    statuses: dict[str, int] = {}
    for _lat, s in results:
        for k, n in s.items():
            statuses[k] = statuses.get(k, 0) + n
    return [x for lat, _s in results for x in lat], statuses


def request(port: int, method: str, path: str, *, body: bytes | str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """One request on a fresh connection: status, headers (lower-case names), body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def settle(port: int, *, quick_ms: float = 30, patience: float = 60) -> None:
    """Wait until the requests a load run left queued are served: /health answers quickly.

    wrk stops with requests in flight; gunicorn still serves them after wrk closed the
    connections, and a slow page's backlog would otherwise eat into the next measurement.
    """
    deadline = time.monotonic() + patience
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        request(port, "GET", "/health")
        quick = quick + 1 if (time.perf_counter() - started) * 1000 < quick_ms else 0


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000
