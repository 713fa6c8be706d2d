"""Where the suite's time goes: wall and CPU seconds per phase, engine, file and fixture.

A pytest plugin for bench/test-suite.md, not part of the suite. CPU time is this process's
only (not PostgreSQL's, Chromium's or forked workers'), so it holds up on a busy machine.
Run it in one process (under pytest-xdist the workers keep their sums to themselves):
    PYTHONPATH=bench .venv/bin/python -m pytest -p pytest_phase_times -q
"""

from __future__ import annotations

import collections
import contextlib
import time

import pytest

_wall: collections.Counter = collections.Counter()
_cpu: collections.Counter = collections.Counter()


@contextlib.contextmanager
def _timed(*keys):
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        for key in keys:
            _wall[key] += wall
            _cpu[key] += cpu


def _keys(item, phase: str):
    callspec = getattr(item, "callspec", None)
    engine = callspec.params.get("database_url", "none") if callspec else "none"
    return ("phase", phase), ("engine", f"{engine} {phase}"), ("file", item.nodeid.split("::")[0])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    with _timed(*_keys(item, "setup")):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with _timed(*_keys(item, "call")):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    with _timed(*_keys(item, "teardown")):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef):
    with _timed(("fixture", fixturedef.argname)):
        return (yield)


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    for kind, limit in (("phase", 3), ("engine", 9), ("fixture", 15), ("file", 15)):
        write(f"--- {kind}: wall s / cpu s (this process)")
        rows = sorted(((k, v) for k, v in _wall.items() if k[0] == kind), key=lambda r: -r[1])
        for key, wall in rows[:limit]:
            write(f"{wall:8.1f} {_cpu[key]:8.1f}  {key[1]}")
