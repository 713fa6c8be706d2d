"""Fixtures: the app on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, and factories."""

from __future__ import annotations

import itertools
import os
import uuid
from contextlib import contextmanager
from datetime import datetime, time, timedelta, timezone
from functools import cache

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from booking import create_app, normalise_database_url
from booking.extensions import db
from booking.models import (AvailabilityWindow, Booking, BookingStatus, Closure, Organisation,
                            Resource, Role, User)

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
_counter = itertools.count(1)


def pytest_report_header(config) -> str:
    if POSTGRES_URL:
        return "database tests: SQLite and PostgreSQL (TEST_DATABASE_URL is set)"
    return ("database tests: SQLite only. PostgreSQL variants are SKIPPED because "
            "TEST_DATABASE_URL is not set (.ci/run sets it).")


@cache
def password_hash() -> str:
    """Hash the test password once; scrypt is slow on purpose."""
    return generate_password_hash(PASSWORD)


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
    """A database with no tables at all, on each engine (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these on PostgreSQL")
    with throwaway_postgres_database(POSTGRES_URL) as url:
        yield url


def _test_config(url: str, **extra) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, **extra}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each database test runs once per engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(database_url):
    app = create_app(_test_config(database_url))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.create_all()
        else:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
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
