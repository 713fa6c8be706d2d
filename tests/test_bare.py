"""Views marked reads_only run their statements outside a transaction block, on both engines."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import User
from booking.services import feeds as feed_service


@pytest.fixture
def signed_in(client, auth, make_org, make_user, make_resource):
    school = make_org("School")
    make_user("teacher@school.org", school)
    lab = make_resource(school, name="Lab", windows=[(d, "08:00", "18:00") for d in range(5)])
    auth.login("teacher@school.org")
    return {"client": client, "lab": lab}


@contextmanager
def modes(app):
    """For each statement run inside the block: whether it ran outside a transaction block
    (PostgreSQL: the connection autocommits; SQLite: no BEGIN sent and none open)."""
    found: list[bool] = []

    def record(_conn, cursor, statement, *_args) -> None:
        dbapi = cursor.connection
        if isinstance(dbapi, sqlite3.Connection):
            found.append(not statement.startswith("BEGIN") and not dbapi.in_transaction)
        else:
            found.append(dbapi.autocommit)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("url", ["/resources/{lab}/calendar", "/calendar", "/calendar/mine"])
def test_calendar_pages_read_without_begin(app, signed_in, url):
    with modes(app) as found:
        assert signed_in["client"].get(url.format(lab=signed_in["lab"])).status_code == 200
    assert found and all(found), found  # the sign-in's own read included


def test_a_page_that_is_not_marked_keeps_its_transaction(app, signed_in):
    with modes(app) as found:
        assert signed_in["client"].get("/bookings/").status_code == 200
    assert found and not any(found), found


def test_a_feed_answered_304_reads_without_begin(app, client, make_org, make_user):
    teacher = make_user("teacher@school.org", make_org("School"))
    with app.app_context():
        _feed, token = feed_service.create_feed(db.session.get(User, teacher), "me", None)
    url = f"/feeds/{token}.ics"
    etag = client.get(url).headers["ETag"]
    with modes(app) as found:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert found and all(found), found
