"""Migration 0003 on a database in service: feeds get a change time, nothing else moves."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from booking import create_app
from booking.extensions import db
from tests.conftest import POSTGRES_URL, _admin_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database with no tables at all, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these on PostgreSQL")
    base = _admin_url(POSTGRES_URL)
    name = f"booking_migration_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_feeds_in_service_start_their_change_time_at_the_upgrade(empty_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "k",
                      "SQLALCHEMY_DATABASE_URI": empty_database})
    made = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO organisation (id, name, kind, description, is_active, created_at) "
                "VALUES (1, 'School', 'school', '', true, :t)"), {"t": made})
            conn.execute(sa.text(
                'INSERT INTO "user" (id, email, name, password_hash, organisation_id, role, '
                "is_active, must_change_password, locale, timezone, created_at, "
                "session_version) VALUES "
                "(1, 'a@b.org', 'A', 'x', 1, 'member', true, false, 'en', 'UTC', :t, 0)"),
                {"t": made})
            conn.execute(sa.text(
                "INSERT INTO calendar_feed (id, user_id, scope, token_hash, created_at) "
                "VALUES (1, 1, 'me', :h, :t)"), {"h": "a" * 64, "t": made})
        before = datetime.now(timezone.utc) - timedelta(seconds=1)
        upgrade()
        with db.engine.connect() as conn:
            fingerprint, changed = conn.execute(sa.text(
                "SELECT content_fingerprint, content_changed_at FROM calendar_feed")).one()
        if isinstance(changed, str):  # SQLite hands back its text
            changed = datetime.fromisoformat(changed)
        if changed.tzinfo is None:
            changed = changed.replace(tzinfo=timezone.utc)
        assert fingerprint is None and changed >= before.replace(microsecond=0)
        downgrade(revision="0001")
        db.engine.dispose()
