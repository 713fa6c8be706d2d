"""Where the suite's time goes: wall and CPU seconds per phase, engine, file and fixture.

A pytest plugin for bench/test-suite.md, not part of the suite. CPU time is this process's
only (not PostgreSQL's, Chromium's or forked workers'), so it holds up on a busy machine.
Run:  PYTHONPATH=bench python -m pytest -p pytest_phase_times [-n 2] ...
Under xdist each worker prints its own table into the worker's stderr; pass -s to see them, or
read the one-line totals the controller prints (summed over workers).
"""

from __future__ import annotations

import collections
import time

import pytest

_wall: collections.Counter = collections.Counter()
_cpu: collections.Counter = collections.Counter()


def _engine(item) -> str:
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get("database_url", "none")) if callspec else "none"


def _timed(keys):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for key in keys:
        _wall[key] += wall
        _cpu[key] += cpu


def _phase(item, phase: str):
    return [("phase", phase), ("engine", f"{_engine(item)} {phase}"),
            ("file", item.nodeid.split("::")[0])]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    gen = _timed(_phase(item, "setup"))
    next(gen)
    try:
        return (yield)
    finally:
        next(gen, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    gen = _timed(_phase(item, "call"))
    next(gen)
    try:
        return (yield)
    finally:
        next(gen, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    gen = _timed(_phase(item, "teardown"))
    next(gen)
    try:
        return (yield)
    finally:
        next(gen, None)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef):
    gen = _timed([("fixture", fixturedef.argname)])
    next(gen)
    try:
        return (yield)
    finally:
        next(gen, None)


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    for kind, limit in (("phase", 3), ("engine", 9), ("fixture", 15), ("file", 15)):
        write(f"--- {kind}: wall s / cpu s (this process)")
        rows = sorted(((k, v) for k, v in _wall.items() if k[0] == kind), key=lambda r: -r[1])
        for key, wall in rows[:limit]:
            write(f"{wall:8.1f} {_cpu[key]:8.1f}  {key[1]}")
