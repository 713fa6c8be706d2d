"""The feed's validators without rendering: fingerprint, stored Last-Modified, one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import Booking, CalendarFeed, Resource, User
from booking.services import feeds as service
from booking.services.feed_state import feed_state
from booking.db_types import utcnow


@pytest.fixture
def setup(app, make_org, make_user, make_resource, make_booking):
    """A teacher's feed over two rooms, one booking in each, changed long ago.

    Times are near the real clock's, which stamps renames and edits.
    """
    now = utcnow().replace(microsecond=0) + timedelta(hours=1)
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    teacher = make_user("teacher@school.org", school)
    rooms = [make_resource(studio, name=name) for name in ("Lab", "Studio")]
    bookings = [make_booking(room, teacher, now + timedelta(days=d),
                             now + timedelta(days=d, hours=2)) for d, room in zip((1, 2), rooms)]
    with app.app_context():
        db.session.execute(sa.update(Booking).values(updated_at=now - timedelta(days=10)))
        feed, _token = service.create_feed(db.session.get(User, teacher), "me")
        db.session.execute(sa.update(CalendarFeed).values(created_at=now - timedelta(days=20)))
        db.session.commit()
        return {"feed": feed.id, "rooms": rooms, "bookings": bookings, "now": now}


def _state(setup: dict, now=None, context=()):
    feed = db.session.get(CalendarFeed, setup["feed"])
    return feed_state(feed, now=now or setup["now"], context=context)


def test_state_changes_with_the_content_and_only_then(app, setup):
    with app.app_context():
        now, first = setup["now"], _state(setup)
        assert first.last_modified == now - timedelta(days=10)  # the newest booking change
        assert _state(setup) == first
        booking = db.session.get(Booking, setup["bookings"][0])
        booking.title = "Renamed"
        booking.updated_at = now - timedelta(days=1)  # instead of the real clock's time
        db.session.commit()
        changed = _state(setup)
        assert changed.fingerprint != first.fingerprint
        assert changed.last_modified == now - timedelta(days=1)
        in_chinese = _state(setup, context=("zh",))
        assert in_chinese.fingerprint != changed.fingerprint
        assert in_chinese.last_modified == changed.last_modified + timedelta(seconds=1)


def test_a_renamed_resource_changes_the_state(app, setup):
    with app.app_context():
        first = _state(setup)
        room = db.session.get(Resource, setup["rooms"][1])
        room.capacity = 3  # not shown in events: nothing to move
        db.session.commit()
        assert room.calendar_changed_at is None
        assert _state(setup) == first
        room.location = "Floor 2"
        db.session.commit()
        moved = _state(setup, now=room.calendar_changed_at + timedelta(minutes=1))
        assert moved.fingerprint != first.fingerprint
        assert moved.last_modified == room.calendar_changed_at.replace(microsecond=0)


def test_unchanged_state_reads_no_booking_and_writes_nothing(app, setup):
    with app.app_context():
        _state(setup)
        feed = db.session.scalar(sa.select(CalendarFeed).options(
            joinedload(CalendarFeed.user), joinedload(CalendarFeed.resource)))
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            feed_state(feed, now=setup["now"])
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        # The feed's poll, and the resources' versions (a person's or organisation's feed).
        assert len(statements) <= 2, statements
        assert all(s.lstrip().upper().startswith("SELECT") for s in statements), statements
        assert not any("FROM booking" in s for s in statements), statements


def test_last_modified_never_moves_back_and_stays_within_now(app, setup):
    with app.app_context():
        first = _state(setup)
        # The booking leaves the feed's window: nothing newer to show, yet content changed.
        later = setup["now"] + timedelta(days=200)
        gone = _state(setup, now=later)
        assert gone.fingerprint != first.fingerprint
        assert gone.last_modified == first.last_modified + timedelta(seconds=1)
        # Two changes in the very same second as the last one: bounded by now.
        back = _state(setup, now=first.last_modified + timedelta(seconds=1),
                      context=("zh",))
        assert back.last_modified == gone.last_modified


def test_another_process_that_wrote_first_wins(app, setup):
    with app.app_context():
        later = setup["now"] + timedelta(hours=1)
        feed = db.session.get(CalendarFeed, setup["feed"])
        assert feed.content_fingerprint is None  # never served
        # Another process serves the feed meanwhile; this one still holds the old row.
        db.session.execute(sa.update(CalendarFeed).values(
            content_fingerprint="f" * 64, content_changed_at=later)
            .execution_options(synchronize_session=False))
        assert feed_state(feed, now=later).last_modified == later
        assert db.session.get(CalendarFeed, setup["feed"]).content_fingerprint == "f" * 64
