"""Migration 0008: the audit trail's table, append-only in the database itself, and back."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from booking import create_app
from booking.extensions import db

INSERT = sa.text(
    "INSERT INTO audit_entry (at, actor_id, actor_email, action, object_type, object_id, "
    "organisation_id, other_organisation_id, details) "
    "VALUES (:at, 1, 'a@b.org', 'token.created', 'token', 1, 1, NULL, '{}')")


def test_0008_makes_an_append_only_table_and_takes_it_away(empty_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "k",
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0004")
        assert "audit_entry" not in sa.inspect(db.engine).get_table_names()
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(INSERT, {"at": datetime(2027, 1, 4, tzinfo=timezone.utc)})
        for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT action FROM audit_entry")).scalars().all() == [
                "token.created"]
        downgrade(revision="0004")
        assert "audit_entry" not in sa.inspect(db.engine).get_table_names()
        upgrade()  # and up again: the trigger function is made afresh
        db.engine.dispose()


def test_create_all_makes_the_same_triggers(empty_database_url):
    """Databases made from the models (SQLite in tests, `db.create_all`) refuse changes too."""
    app = create_app({"TESTING": True, "SECRET_KEY": "k",
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            conn.execute(INSERT, {"at": datetime(2027, 1, 4, tzinfo=timezone.utc)})
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_entry"))
        db.engine.dispose()
