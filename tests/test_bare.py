"""Views marked reads_only run their statements outside a transaction block on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from booking.extensions import db


@pytest.fixture
def signed_in(client, auth, make_org, make_user, make_resource):
    school = make_org("School")
    make_user("teacher@school.org", school)
    lab = make_resource(school, name="Lab", windows=[(d, "08:00", "18:00") for d in range(5)])
    auth.login("teacher@school.org")
    return {"client": client, "lab": lab}


def modes_of(app, client, url: str) -> list[bool]:
    """For each statement of one GET: whether it ran outside a transaction block."""
    modes: list[bool] = []

    def record(_conn, cursor, *_args) -> None:
        modes.append(cursor.connection.autocommit)

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps its read transaction (one snapshot; its BEGIN is local)")
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    return modes


@pytest.mark.parametrize("url", ["/resources/{lab}/calendar", "/calendar", "/calendar/mine"])
def test_calendar_pages_read_without_begin(app, signed_in, url):
    modes = modes_of(app, signed_in["client"], url.format(lab=signed_in["lab"]))
    assert modes and all(modes), modes  # the sign-in's own read included


def test_a_page_that_is_not_marked_keeps_its_transaction(app, signed_in):
    modes = modes_of(app, signed_in["client"], "/bookings/")
    assert modes and not any(modes), modes
