"""One home for each change: span, longest mark, sequence, status and one event, together."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking import events
from booking.events import Action, BookingsChanged
from booking.exceptions import Conflict, NotAllowed, SeriesConflict
from booking.extensions import db
from booking.models import Booking, BookingStatus, Organisation, Resource, User
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings, organisations, resources, series
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.conftest import utc

NOW = utc(2027, 1, 4)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _series(user_id, resource_id, *, quantity=1, count=3, hours=1):
    first = BookingRequest(resource_id, MONDAY, MONDAY + timedelta(hours=hours), quantity,
                           "Course")
    made, booked, _ = series.create_series(
        _user(user_id), SeriesRequest(first, Recurrence(Frequency.WEEKLY, count=count)), now=NOW)
    return made.id, [b.id for b in booked]


def _book(user_id, resource_id, start, end, quantity=1):
    return bookings.create_booking(_user(user_id), BookingRequest(resource_id, start, end,
                                                                  quantity), now=NOW)


@pytest.fixture
def world(make_org, make_user, make_resource):
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    return {"teacher": make_user("t@school.org", school),
            "colleague": make_user("c@school.org", school),
            "rival": make_user("r@other.org", make_org("Other school")),
            "admin": make_user("a@studio.org", studio, role="org_admin"),
            "school": school, "studio": studio,
            "lab": make_resource(studio, name="Lab"),
            "hall": make_resource(studio, name="Hall", capacity=3),
            "booth": make_resource(studio, name="Booth", approval_required=True)}


@pytest.fixture
def published(app) -> list:
    """Every event the app publishes from now on (read them inside the app context)."""
    seen: list = []

    def note(event) -> None:
        if isinstance(event, BookingsChanged):  # ids exist already: the change was flushed
            assert all(booking.id is not None for booking in event.bookings)
        seen.append(event)

    events.subscribe(app, note)
    return seen


@pytest.mark.parametrize("resource, quantity", [("lab", 1), ("hall", 3)])
def test_a_retimed_series_still_blocks_the_time_it_took(app, world, resource, quantity):
    """Issue 10: 10:00-11:00 re-timed to 10:00-18:00 no longer blocked 15:00 (SQLite, and
    PostgreSQL with more than one place): re-timing forgot the longest-occupied mark."""
    with app.app_context():
        series_id, _ids = _series(world["teacher"], world[resource], quantity=quantity)
        series.update_series(_user(world["teacher"]), series_id, start_time=time(10),
                             end_time=time(18), now=NOW)
        assert db.session.get(Resource, world[resource]).longest_occupied_minutes >= 8 * 60
        with pytest.raises(Conflict):
            _book(world["rival"], world[resource], MONDAY.replace(hour=15),
                  MONDAY.replace(hour=16))
        assert db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
            Booking.user_id == world["rival"])) == 0


def test_moving_a_booking_raises_the_mark_and_its_sequence(app, world):
    with app.app_context():
        booking = _book(world["teacher"], world["lab"], MONDAY, MONDAY + timedelta(hours=1))
        bookings.move_booking(_user(world["teacher"]), booking.id, MONDAY,
                              MONDAY + timedelta(hours=9), now=NOW)
        moved = db.session.get(Booking, booking.id)
        assert moved.occupied_end_at == MONDAY + timedelta(hours=9) and moved.sequence == 1
        assert db.session.get(Resource, world["lab"]).longest_occupied_minutes == 9 * 60
        with pytest.raises(Conflict):
            _book(world["rival"], world["lab"], MONDAY + timedelta(hours=8),
                  MONDAY + timedelta(hours=9))


def test_a_time_the_booker_changes_is_decided_again_by_the_owner(app, world, published):
    """Issue 10: the booker of an approved series stretched it and it stayed confirmed."""
    with app.app_context():
        series_id, ids = _series(world["teacher"], world["booth"])
        series.approve_series(_user(world["admin"]), series_id, now=NOW)
        series.update_series(_user(world["teacher"]), series_id, start_time=time(10),
                             end_time=time(18), now=NOW)
        statuses = {db.session.get(Booking, i).status for i in ids}
        assert statuses == {BookingStatus.PENDING}
        assert all(db.session.get(Booking, i).decided_by_id is None for i in ids)
        changed = published[-1]
        assert changed.action is Action.SERIES_CHANGED and len(changed.bookings) == 3
        assert {s.status for s in changed.before.values()} == {BookingStatus.CONFIRMED}
        series.approve_series(_user(world["admin"]), series_id, now=NOW)
        bookings.move_booking(_user(world["teacher"]), ids[0], MONDAY.replace(hour=8),
                              MONDAY.replace(hour=9), now=NOW)
        assert db.session.get(Booking, ids[0]).status is BookingStatus.PENDING
        assert db.session.get(Booking, ids[1]).status is BookingStatus.CONFIRMED


def test_a_time_the_owners_admin_changes_stays_confirmed(app, world):
    with app.app_context():
        series_id, ids = _series(world["teacher"], world["booth"])
        series.approve_series(_user(world["admin"]), series_id, now=NOW)
        series.update_series(_user(world["admin"]), series_id, start_time=time(9),
                             end_time=time(12), now=NOW)
        assert {db.session.get(Booking, i).status for i in ids} == {BookingStatus.CONFIRMED}


def test_after_unsharing_only_the_owner_may_keep_what_was_booked(app, world):
    """Issue 10: the booker moved dates of a resource no longer shared with them."""
    with app.app_context():
        series_id, ids = _series(world["teacher"], world["lab"])
        resources.update_resource_fields(_user(world["admin"]), world["lab"],
                                         open_to_all=False, now=NOW)
        with pytest.raises(NotAllowed):
            bookings.move_booking(_user(world["teacher"]), ids[0], MONDAY.replace(hour=8),
                                  MONDAY.replace(hour=9), now=NOW)
        with pytest.raises(NotAllowed):
            series.update_series(_user(world["teacher"]), series_id, start_time=time(10),
                                 end_time=time(12), now=NOW)
        assert db.session.get(Booking, ids[0]).start_at == MONDAY  # standing as made
        bookings.cancel_booking(_user(world["teacher"]), ids[0])  # giving it up is allowed


def test_approving_checks_the_rules_and_who_may_book_again(app, world):
    with app.app_context():
        pending = _book(world["teacher"], world["booth"], MONDAY, MONDAY + timedelta(hours=1))
        admin = _user(world["admin"])
        resources.update_resource_fields(admin, world["booth"], open_to_all=False, now=NOW)
        with pytest.raises(NotAllowed):
            bookings.approve_booking(_user(world["admin"]), pending.id, now=NOW)
        assert db.session.get(Booking, pending.id).status is BookingStatus.PENDING
        bookings.reject_booking(_user(world["admin"]), pending.id, "Not shared any more")


def test_every_use_case_publishes_one_event(app, world, published):
    with app.app_context():
        single = _book(world["teacher"], world["lab"], MONDAY, MONDAY + timedelta(hours=1))
        bookings.move_booking(_user(world["teacher"]), single.id, MONDAY.replace(hour=12),
                              MONDAY.replace(hour=13), now=NOW)
        bookings.cancel_booking(_user(world["teacher"]), single.id)
        series_id, ids = _series(world["teacher"], world["booth"])
        series.reject_series(_user(world["admin"]), series_id, "Closed for works")
        request = _book(world["teacher"], world["booth"], MONDAY, MONDAY + timedelta(hours=1))
        bookings.approve_booking(_user(world["admin"]), request.id, now=NOW)
        lab_series, _ = _series(world["teacher"], world["lab"], count=4)
        series.cancel_series(_user(world["teacher"]), lab_series)
        assert [e.action for e in published] == [
            Action.BOOKING_CREATED, Action.BOOKING_MOVED, Action.BOOKING_CANCELLED,
            Action.SERIES_CREATED, Action.SERIES_REJECTED, Action.BOOKING_CREATED,
            Action.BOOKING_APPROVED, Action.SERIES_CREATED, Action.SERIES_CANCELLED]
        assert all(isinstance(e, BookingsChanged) and e.bookings for e in published)
        moved = published[1]
        assert moved.before[single.id].start_at == MONDAY and moved.bookings[0].id == single.id
        rejected, cancelled = published[4], published[-1]
        assert rejected.reason == "Closed for works" and len(rejected.bookings) == 3
        assert rejected.series.id == series_id and len(cancelled.bookings) == 4
        assert published[0].before == {}  # nothing was there before a new booking


def test_refused_changes_publish_nothing(app, world, published):
    with app.app_context():
        _book(world["teacher"], world["lab"], MONDAY, MONDAY + timedelta(hours=1))
        with pytest.raises(Conflict):
            _book(world["rival"], world["lab"], MONDAY, MONDAY + timedelta(hours=1))
        with pytest.raises(SeriesConflict):
            _series(world["rival"], world["lab"])
    assert [e.action for e in published] == [Action.BOOKING_CREATED]


def test_a_subscribers_rows_share_the_transaction(app, world):
    """What a subscriber adds commits with the change, or rolls back with a failed one."""
    def audit(event):
        db.session.add(Organisation(name=f"Seen {event.action}", kind="association"))

    def refuse(event):
        if event.bookings[0].start_at.hour == 4:  # 12:00 in Shanghai
            raise RuntimeError("the notifier is down")

    events.subscribe(app, audit)
    events.subscribe(app, refuse)
    with app.app_context():
        _book(world["teacher"], world["lab"], MONDAY, MONDAY + timedelta(hours=1))
        with pytest.raises(RuntimeError):
            _book(world["teacher"], world["lab"], MONDAY.replace(hour=12),
                  MONDAY.replace(hour=13))
        db.session.rollback()
        names = set(db.session.scalars(sa.select(Organisation.name)))
        starts = list(db.session.scalars(sa.select(Booking.start_at)))
    assert "Seen booking.created" in names and starts == [MONDAY]
    assert sum(name.startswith("Seen") for name in names) == 1


def test_resource_and_organisation_changes_are_published(app, world, published, make_user):
    platform = make_user("p@chair.org", role="platform_admin")
    with app.app_context():
        resources.update_resource_fields(_user(world["admin"]), world["lab"], capacity=2,
                                         open_to_all=False, now=NOW)
        resources.set_resource_active(_user(world["admin"]), world["lab"], False)
        organisations.set_organisation_active(_user(platform), world["school"], False)
        organisations.set_organisation_active(_user(platform), world["school"], True)
        changed, deactivated, suspended, readmitted = published
        assert changed.action is Action.RESOURCE_CHANGED
        assert changed.before == {"capacity": 1, "open_to_all": True}
        assert changed.after == {"capacity": 2, "open_to_all": False}
        assert deactivated.action is Action.RESOURCE_DEACTIVATED
        assert suspended.action is Action.ORGANISATION_SUSPENDED
        assert readmitted.action is Action.ORGANISATION_READMITTED
        assert suspended.organisation.id == world["school"]


def test_a_new_booking_is_attached_as_if_read_back(app, world):
    """A booking without a series is written by one Core INSERT and attached to the session
    as persistent and clean: it holds exactly its stored row, and its resource and booker
    are the locked objects. Neither the event's subscribers nor reading it afterwards read
    it back, and nothing is left to write."""
    with app.app_context():
        booker = _user(world["teacher"])
        session = db.session()
        sent: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:
            sent.append(" ".join(statement.split()))

        sa.event.listen(db.engine, "before_cursor_execute", record)
        session.expire_on_commit = False  # as the API's create_booking keeps it loaded
        try:
            booking = bookings.create_booking(
                booker, BookingRequest(world["lab"], MONDAY, MONDAY + timedelta(hours=1), 1,
                                       " Lesson "), now=NOW)
            state = sa.inspect(booking)
            assert state.persistent and not state.modified and booking in session
            assert booking.resource.id == world["lab"] and booking.resource.name == "Lab"
            assert booking.user is booker
            assert booking.series is None
            assert booking.organisation.name == "School"
            held = {c.key: getattr(booking, c.key) for c in Booking.__table__.columns}
        finally:
            session.expire_on_commit = True
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert [s for s in sent if "WHERE booking.id =" in s or s.startswith("UPDATE booking")
                or "FROM booking_series" in s] == []
        session.expunge_all()
        stored = session.get(Booking, held["id"])
        assert {c.key: getattr(stored, c.key) for c in Booking.__table__.columns} == held
        assert held["title"] == "Lesson" and held["uid"] and held["decided_at"] is None
