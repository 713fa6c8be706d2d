"""Fixtures: the app on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, and factories."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from collections.abc import Iterator
from datetime import datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import settings
from werkzeug.security import generate_password_hash

from booking import create_app, events, normalise_database_url
from booking.extensions import db, limiter
from booking.services import ledger
from booking.models import (AvailabilityWindow, Booking, BookingStatus, Closure, Organisation,
                            Resource, Role, User)

PASSWORD = "correct horse battery"
# Tests check thousands of passwords: one PBKDF2 round, not production's scrypt (config.py).
FAST_PASSWORD_HASH = "pbkdf2:sha256:1"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
_counter = itertools.count(1)

# Properties keep their example counts; a deadline would only measure how busy the machine is.
settings.register_profile("suite", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def pytest_collection_modifyitems(config, items) -> None:
    """Modules holding a test marked slow run first, each kept whole (its module fixtures
    are set up once), in the order collected; the rest follow unchanged.

    pytest-xdist's worksteal gives each worker a contiguous half of this list and a worker
    that runs out takes the other's last tests, but never a running one: a half-minute test
    begun near the end of the run leaves the other core idle until it ends. Begun first,
    the short tests even the two workers out around it.
    """
    slow_modules = {item.module for item in items
                    if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.module not in slow_modules)
    for item in items:
        _skip_other_engines(item)


def _skip_other_engines(item) -> None:
    """A test marked sqlite_only(reason) is skipped on PostgreSQL before anything is set up:
    a skip inside a hypothesis test would be reported as a failing explicit example."""
    marker = item.get_closest_marker("sqlite_only")
    engine = getattr(item, "callspec", None) and item.callspec.params.get("database_url")
    if marker is not None and engine == "postgresql":
        item.add_marker(pytest.mark.skip(reason=marker.args[0]))


def pytest_report_header(config) -> str:
    if POSTGRES_URL:
        return "database tests: SQLite and PostgreSQL (TEST_DATABASE_URL is set)"
    return ("database tests: SQLite only. PostgreSQL variants are SKIPPED because "
            "TEST_DATABASE_URL is not set (.ci/run sets it).")


@cache
def password_hash() -> str:
    """The test password, hashed the way the test apps are configured to."""
    return generate_password_hash(PASSWORD, method=FAST_PASSWORD_HASH)


def _admin_url(url: str) -> sa.URL:
    return sa.make_url(normalise_database_url(url))


@contextmanager
def throwaway_postgres_database(server_url: str):
    """A new, empty PostgreSQL database on the server of *server_url*, dropped afterwards."""
    base = _admin_url(server_url)
    name = f"booking_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        # A throw-away database: commits need not wait for the disk (production's stay on;
        # locking and visibility, which the tests are about, are the same either way).
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL database for this test run, upgraded by the migrations."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these on PostgreSQL")
    with throwaway_postgres_database(POSTGRES_URL) as url:
        app = create_app(_test_config(url))
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            db.engine.dispose()
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with no tables at all, on each engine (for migration tests).

    PostgreSQL: one database per test process (each xdist worker its own), emptied after each
    test by dropping its schema, instead of a CREATE and DROP DATABASE per test.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    url = request.getfixturevalue("empty_postgres_url")
    yield url
    _drop_everything(url)


@pytest.fixture(scope="session")
def empty_postgres_url():
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these on PostgreSQL")
    with throwaway_postgres_database(POSTGRES_URL) as url:
        yield url


def _drop_everything(url: str) -> None:
    """Back to a database with nothing in it: its schema, tables, functions and extensions."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def _test_config(url: str, **extra) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH, **extra}


@pytest.fixture(scope="session")
def sqlite_template(sqlite_dir) -> str:
    """An empty SQLite database with the schema, built once per process and copied per test."""
    path = sqlite_dir / "schema.sqlite"
    app = create_app(_test_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection out checkpoints the WAL into the file
    return str(path)


@pytest.fixture(scope="session")
def sqlite_dir(tmp_path_factory) -> Iterator[Path]:
    """Where test databases live: in memory-backed /dev/shm when there is one, since every
    commit waits for fsync (PRAGMA synchronous=FULL), which costs milliseconds on a disk."""
    if not os.access("/dev/shm", os.W_OK):
        yield tmp_path_factory.mktemp("sqlite")
        return
    path = Path(tempfile.mkdtemp(prefix="booking-tests-", dir="/dev/shm"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> Iterator[str]:
    """Each database test runs once per engine."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_url")
        return
    path = request.getfixturevalue("sqlite_dir") / "test.sqlite"
    yield f"sqlite:///{path}"
    for leftover in path.parent.glob(f"{path.name}*"):  # with its -wal and -shm
        leftover.unlink()


@pytest.fixture(scope="session")
def shared_apps() -> Iterator[dict[str, Flask]]:
    """One app per database URL for the whole run: create_app takes ~15 ms (URL rules)."""
    apps: dict[str, Flask] = {}
    yield apps
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(request, database_url, shared_apps):
    """The app on an empty database with the schema.

    The app object is shared by the tests on the same engine, its config restored after each;
    a test that must change the app itself (routes, hooks) makes one with create_app.
    """
    if database_url not in shared_apps:
        shared_apps[database_url] = create_app(_test_config(database_url))
    app = shared_apps[database_url]
    config = dict(app.config)
    subscribers = list(app.extensions.get(events.SUBSCRIBERS, ()))
    # One Limiter object serves every app in the process, configured by the last create_app.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            shutil.copyfile(request.getfixturevalue("sqlite_template"), db.engine.url.database)
        else:
            _empty_postgres()
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()  # its file goes; the next test gets a fresh copy
    app.config.clear()
    app.config.update(config)
    # A test may subscribe to the shared app's events; later tests must not hear it.
    app.extensions[events.SUBSCRIBERS] = subscribers


def _empty_postgres() -> None:
    """Delete every row and restart the ids (on small tables far faster than TRUNCATE)."""
    # The audit trail's trigger refuses DELETE; a superuser's replica role skips triggers.
    statements = ["SET LOCAL session_replication_role = replica"]
    statements += [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    statements.append("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("; ".join(statements))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


def _stored_id(row) -> int:
    """Store *row*; its id is read before the commit expires it, which saves a query."""
    db.session.add(row)
    db.session.flush()
    row_id = row.id
    db.session.commit()
    return row_id


@pytest.fixture
def make_org(app):
    """Create an organisation; returns its id."""
    def _make(name: str | None = None, kind: str = "school", **fields) -> int:
        with app.app_context():
            org = Organisation(name=name or f"Organisation {next(_counter)}", kind=kind, **fields)
            return _stored_id(org)
    return _make


@pytest.fixture
def make_user(app, make_org):
    """Create a person (password PASSWORD); returns their id."""
    def _make(email: str | None = None, org_id: int | None = None, role: str = "member",
              **fields) -> int:
        with app.app_context():
            user = User(email=(email or f"user{next(_counter)}@example.org").lower(),
                        name=fields.pop("name", "Test Person"),
                        organisation_id=org_id or make_org(), role=Role(role),
                        password_hash=password_hash(), **fields)
            return _stored_id(user)
    return _make


@pytest.fixture
def make_resource(app, make_org):
    """Create a resource; `windows` is a list of (weekday, "HH:MM", "HH:MM"); returns its id."""
    def _make(org_id: int | None = None, windows=(), closures=(), **fields) -> int:
        with app.app_context():
            resource = Resource(organisation_id=org_id or make_org(kind="enterprise"),
                                kind=fields.pop("kind", "facility"),
                                name=fields.pop("name", f"Lab {next(_counter)}"), **fields)
            resource.windows = [AvailabilityWindow(weekday=d, start_time=time.fromisoformat(a),
                                                   end_time=time.fromisoformat(b))
                                for d, a, b in windows]
            resource.closures = [Closure(start_at=s, end_at=e, reason=r) for s, e, r in closures]
            return _stored_id(resource)
    return _make


@pytest.fixture
def make_booking(app):
    """Store a booking directly, bypassing the rules (to set up a situation); returns its id."""
    def _make(resource_id: int, user_id: int, start: datetime, end: datetime,
              quantity: int = 1, status: str = "confirmed", title: str = "Test booking") -> int:
        with app.app_context():
            resource = db.session.get(Resource, resource_id)
            user = db.session.get(User, user_id)
            before = timedelta(minutes=resource.buffer_before_minutes)
            after = timedelta(minutes=resource.buffer_after_minutes)
            booking = Booking(resource_id=resource_id, user_id=user_id,
                              organisation_id=user.organisation_id, title=title,
                              start_at=start, end_at=end, occupied_start_at=start - before,
                              occupied_end_at=end + after, quantity=quantity,
                              exclusive=resource.capacity == 1, status=BookingStatus(status))
            occupied_minutes = int((end - start + before + after).total_seconds() // 60)
            resource.longest_occupied_minutes = max(resource.longest_occupied_minutes,
                                                    occupied_minutes)
            db.session.add(booking)
            db.session.flush()
            ledger.count_booking(booking)  # as the booking services keep it
            return _stored_id(booking)
    return _make


def utc(*args) -> datetime:
    """A UTC datetime, shorter to write in tests."""
    return datetime(*args, tzinfo=timezone.utc)
