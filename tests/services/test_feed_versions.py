"""The feed's fast 304 path: resource versions moved by the database, and the moving window.

The fingerprint itself is computed as before (test_feed_state.py); these tests check that the
version key lets an unchanged feed skip reading its bookings, and that nothing which changes
the content can slip past it: a booking written by any statement (the trigger), a rename, and
time alone moving bookings in and out of the window.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking.db_types import utcnow
from booking.extensions import db
from booking.models import Booking, BookingStatus, CalendarFeed, Organisation, Resource, User
from booking.services import feeds as service
from booking.services.feed_state import feed_state
from booking.services.feeds import CANCELLED_GRACE, WINDOW_AHEAD, WINDOW_BACK


@pytest.fixture(params=["resource", "me"])
def setup(request, app, make_org, make_user, make_resource, make_booking):
    """A teacher's feed (of a lab, or their own) with a booking in the window."""
    now = utcnow().replace(microsecond=0)
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    teacher = make_user("teacher@school.org", school)
    lab = make_resource(studio, name="Lab")
    booking = make_booking(lab, teacher, now + timedelta(days=3), now + timedelta(days=3, hours=1))
    with app.app_context():
        feed, _token = service.create_feed(db.session.get(User, teacher), request.param,
                                           lab if request.param == "resource" else None)
        return {"feed": feed.id, "lab": lab, "teacher": teacher, "booking": booking, "now": now}


def _state(setup: dict, now=None):
    db.session.expire_all()
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.id == setup["feed"])
                             .options(joinedload(CalendarFeed.user).joinedload(User.organisation),
                                      joinedload(CalendarFeed.resource)
                                      .joinedload(Resource.organisation),
                                      joinedload(CalendarFeed.resource)
                                      .undefer(Resource.feed_version)))
    return feed_state(feed, now=now or setup["now"])


def _version(setup: dict) -> int:
    return db.session.scalar(sa.select(Resource.feed_version)
                             .where(Resource.id == setup["lab"]))


@contextmanager
def statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_an_unchanged_feed_reads_no_booking(app, setup):
    with app.app_context():
        first = _state(setup)
        _state(setup)  # the first one stored the key
        with statements() as seen:
            assert _state(setup) == first
        assert not any("FROM booking" in s for s in seen), seen
        assert not any(s.lstrip().upper().startswith("UPDATE") for s in seen), seen


def test_every_way_of_writing_a_booking_moves_the_version(app, setup):
    with app.app_context():
        version = _version(setup)
        first = _state(setup)
        _state(setup)
        # A bulk UPDATE that no service made: the trigger still sees it.
        db.session.execute(sa.update(Booking).values(title="Changed behind the ORM's back"))
        db.session.commit()
        db.session.expire_all()
        assert _version(setup) > version
        changed = _state(setup)
        assert changed.fingerprint != first.fingerprint
        db.session.execute(sa.delete(Booking))
        db.session.commit()
        assert _state(setup).fingerprint not in (first.fingerprint, changed.fingerprint)


def test_a_renamed_resource_changes_the_state(app, setup):
    with app.app_context():
        first = _state(setup)
        _state(setup)
        db.session.get(Resource, setup["lab"]).name = "Lab on floor 2"
        db.session.commit()
        assert _state(setup).fingerprint != first.fingerprint


@pytest.mark.parametrize("case", ["enters", "ends", "grace"])
def test_time_alone_moves_bookings_through_the_window(app, setup, make_booking, case):
    """No write at all, and the fingerprint still changes when the window moves past a
    booking; the same check just before that moment answers from the stored key."""
    now = setup["now"]
    with app.app_context():
        if case == "enters":
            start = now + WINDOW_AHEAD + timedelta(days=2)
            make_booking(setup["lab"], setup["teacher"], start, start + timedelta(hours=1))
            moment = start - WINDOW_AHEAD
        elif case == "ends":
            moment = now + timedelta(days=3, hours=1) + WINDOW_BACK
        else:
            booking = db.session.get(Booking, setup["booking"])
            booking.status = BookingStatus.CANCELLED
            db.session.commit()
            db.session.expire_all()
            moment = db.session.get(Booking, setup["booking"]).updated_at + CANCELLED_GRACE
        # Ten days ahead of the moment (a key holds a month at most when nothing is in sight).
        earlier = moment - timedelta(days=10)
        first = _state(setup, now=earlier)
        _state(setup, now=earlier)
        before = moment - timedelta(seconds=1)
        with statements() as seen:
            assert _state(setup, now=before).fingerprint == first.fingerprint
        assert not any("FROM booking" in s for s in seen)
        after = moment + timedelta(seconds=1)
        assert _state(setup, now=after).fingerprint != first.fingerprint


def test_a_poll_on_postgresql_runs_outside_a_transaction_block(app, client, make_org,
                                                              make_user, make_resource,
                                                              make_booking):
    """One round trip per 304 on PostgreSQL: no BEGIN before a SELECT, no ROLLBACK after."""
    school = make_org("School")
    teacher = make_user("teacher@school.org", school)
    lab = make_resource(school, name="Lab")
    soon = utcnow() + timedelta(days=2)
    make_booking(lab, teacher, soon, soon + timedelta(hours=1))
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps its read transaction (one snapshot; its BEGIN is local)")
        _feed, token = service.create_feed(db.session.get(User, teacher), "me")
    url = f"/feeds/{token}.ics"
    first = client.get(url)
    client.get(url, headers={"If-None-Match": first.headers["ETag"]})  # stores the key
    modes: list[bool] = []

    def record(_conn, cursor, *_args) -> None:
        modes.append(cursor.connection.autocommit)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    assert again.status_code == 304
    # A person's feed reads its resources' versions too: two statements, both outside.
    assert modes and all(modes), modes


def test_naming_a_person_on_a_resource_brings_its_bookings_into_their_feed(app, client,
                                                                            make_org, make_user,
                                                                            make_resource,
                                                                            make_booking):
    """A mentor's own feed shows what was booked of their time: naming them on a resource is
    a change of that feed although no booking changed."""
    studio, school = make_org("Studio", "enterprise"), make_org("School")
    mentor = make_user("mentor@studio.org", studio)
    teacher = make_user("teacher@school.org", school)
    desk = make_resource(studio, name="Mentor desk")
    soon = utcnow() + timedelta(days=2)
    make_booking(desk, teacher, soon, soon + timedelta(hours=1))
    with app.app_context():
        _feed, token = service.create_feed(db.session.get(User, mentor), "me")
    url = f"/feeds/{token}.ics"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        db.session.get(Resource, desk).person_id = mentor
        db.session.commit()
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert b"Mentor desk" in again.data and b"Mentor desk" not in first.data


def _suspend_person(app, world) -> None:
    with app.app_context():
        db.session.get(User, world["teacher"]).is_active_account = False
        db.session.commit()


def _suspend_organisation(app, world) -> None:
    with app.app_context():
        db.session.get(Organisation, world["school"]).is_active = False
        db.session.commit()


def _revoke(app, world) -> None:
    with app.app_context():
        feed = db.session.scalar(sa.select(CalendarFeed))
        service.revoke_feed(db.session.get(User, world["teacher"]), feed.id)


@pytest.mark.parametrize("stop", [_revoke, _suspend_person, _suspend_organisation])
def test_a_feed_that_stops_working_is_gone_for_a_poll_that_had_its_304(app, client, make_org,
                                                                       make_user,
                                                                       make_resource,
                                                                       make_booking, stop):
    """The poll's one statement judges nothing itself: what makes a feed stop working is in
    its version key, so the next poll takes the full path, which answers 404."""
    school = make_org("School")
    world = {"school": school, "teacher": make_user("teacher@school.org", school)}
    lab = make_resource(school, name="Lab")
    soon = utcnow() + timedelta(days=2)
    make_booking(lab, world["teacher"], soon, soon + timedelta(hours=1))
    with app.app_context():
        _feed, token = service.create_feed(db.session.get(User, world["teacher"]), "me")
    url = f"/feeds/{token}.ics"
    tag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    stop(app, world)
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 404


def test_an_unchanged_resource_feed_is_answered_by_one_statement(app, client, make_org,
                                                                 make_user, make_resource,
                                                                 make_booking):
    school = make_org("School")
    teacher = make_user("teacher@school.org", school)
    lab = make_resource(school, name="Lab")
    soon = utcnow() + timedelta(days=2)
    make_booking(lab, teacher, soon, soon + timedelta(hours=1))
    with app.app_context():
        _feed, token = service.create_feed(db.session.get(User, teacher), "resource", lab)
    url = f"/feeds/{token}.ics"
    tag = client.get(url).headers["ETag"]
    client.get(url, headers={"If-None-Match": tag})
    with app.app_context(), statements() as seen:
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    queries = [s for s in seen if not s.lstrip().upper().startswith("BEGIN")]
    assert len(queries) == 1 and "FROM booking" not in queries[0], seen


def test_a_poll_whose_read_went_stale_still_answers_on_sqlite(app, setup):
    """Two workers computing one feed's state at once: on SQLite the second one's read
    transaction is older than the first one's write, and SQLite refuses its write at once
    (SQLITE_BUSY_SNAPSHOT). The stored state is a shortcut: the answer stands without it."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's READ COMMITTED writes over newer rows: nothing to refuse")
        _state(setup)
        db.session.execute(sa.update(CalendarFeed).values(version_key="stale"))
        db.session.commit()  # both workers will find the key changed and store a new one
        feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.id == setup["feed"])
                                 .options(joinedload(CalendarFeed.user), joinedload(
                                     CalendarFeed.resource)))  # this request's read begins
        with db.engine.connect() as other_worker:
            other_worker.execute(sa.update(CalendarFeed).values(version_key="the first's"))
            other_worker.commit()
        state = feed_state(feed, now=setup["now"])
        assert state.fingerprint
