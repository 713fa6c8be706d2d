"""Migration 0003 on a database in service: feeds get a change time, nothing else moves."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from booking import create_app
from booking.extensions import db


def test_feeds_in_service_start_their_change_time_at_the_upgrade(empty_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "k",
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
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
