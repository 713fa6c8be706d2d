"""Fixtures: the app on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, and factories."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from booking import create_app, normalise_database_url
from booking.extensions import db
from booking.models import (AvailabilityWindow, Booking, BookingStatus, Closure, Organisation,
                            Resource, Role, User)

PASSWORD = "correct horse battery"
# Tests check thousands of passwords: one PBKDF2 round, not production's scrypt (config.py).
FAST_PASSWORD_HASH = "pbkdf2:sha256:1"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
_counter = itertools.count(1)


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


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL database for this test run, upgraded by the migrations."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these on PostgreSQL")
    base = _admin_url(POSTGRES_URL)
    name = f"booking_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        # A throw-away database: commits need not wait for the disk (production's stay on;
        # locking and visibility, which the tests are about, are the same either way).
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    url = base.set(database=name).render_as_string(hide_password=False)
    app = create_app(_test_config(url))
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        db.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


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
    path = request.getfixturevalue("sqlite_dir") / f"test{next(_counter)}.sqlite"
    yield f"sqlite:///{path}"
    for leftover in path.parent.glob(f"{path.name}*"):  # with its -wal and -shm
        leftover.unlink()


def _empty_postgres() -> None:
    """Delete every row and restart the ids (on small tables far faster than TRUNCATE)."""
    statements = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    statements.append("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("; ".join(statements))


class _SharedTemplateCode(jinja2.BytecodeCache):
    """Templates compiled once per process and shared by every test app (Jinja checks sources)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = _SharedTemplateCode()


@pytest.fixture
def app(request, database_url):
    """The app on an empty database with the schema."""
    if database_url.startswith("sqlite"):
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, sa.make_url(database_url).database)
    app = create_app(_test_config(database_url))
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _empty_postgres()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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


@pytest.fixture
def make_org(app):
    """Create an organisation; returns its id."""
    def _make(name: str | None = None, kind: str = "school", **fields) -> int:
        with app.app_context():
            org = Organisation(name=name or f"Organisation {next(_counter)}", kind=kind, **fields)
            db.session.add(org)
            db.session.commit()
            return org.id
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
            db.session.add(user)
            db.session.commit()
            return user.id
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
            db.session.add(resource)
            db.session.commit()
            return resource.id
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
            db.session.commit()
            return booking.id
    return _make


def utc(*args) -> datetime:
    """A UTC datetime, shorter to write in tests."""
    return datetime(*args, tzinfo=timezone.utc)
