"""Recurring bookings: preview, all-or-nothing or only the free dates, exceptions that survive edits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking import scheduling
from booking.exceptions import InvalidInput, NotAllowed, NotFound, SeriesConflict
from booking.extensions import db
from booking.models import Booking, BookingSeries, BookingStatus, Closure, User
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings as booking_service
from booking.services import series as service
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.conftest import utc

NOW = utc(2027, 1, 4)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
FIRST = datetime(2027, 3, 2, 14, 0, tzinfo=SHANGHAI)  # a Tuesday


def _user(user_id):
    return db.session.get(User, user_id)


def _weekly(resource_id, count=10, start=FIRST, **options):
    recurrence = Recurrence(Frequency.WEEKLY, count=count, **options.pop("rule", {}))
    return SeriesRequest(BookingRequest(resource_id, start, start + timedelta(hours=2),
                                        title="Animation lab"), recurrence, **options)


def _bookings(resource_id):
    return db.session.scalars(sa.select(Booking).where(Booking.resource_id == resource_id)
                              .order_by(Booking.start_at)).all()


@pytest.fixture
def world(make_org, make_user, make_resource):
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    return {"teacher": make_user("t@school.org", school),
            "rival": make_user("r@school.org", school),
            "admin": make_user("a@studio.org", studio, role="org_admin"),
            "outsider": make_user("o@else.org"),
            "studio": studio,
            "lab": make_resource(studio, name="Lab")}


def test_preview_gives_every_date_its_verdict(app, world, make_booking):
    clash = FIRST + timedelta(weeks=2)
    make_booking(world["lab"], world["rival"], clash, clash + timedelta(hours=1))
    with app.app_context():
        verdicts = service.preview_series(_user(world["teacher"]), _weekly(world["lab"]), now=NOW)
        assert len(verdicts) == 10
        assert [v.ok for v in verdicts].count(False) == 1
        refused = verdicts[2]
        assert refused.reasons[0].code == scheduling.CONFLICT
        assert refused.alternatives and all(a.duration == timedelta(hours=2)
                                            for a in refused.alternatives)
        assert _bookings(world["lab"])[0].start_at == clash  # the preview stored nothing
        assert len(_bookings(world["lab"])) == 1


def test_all_or_nothing_by_default_and_only_free_dates_on_request(app, world, make_booking):
    clash = FIRST + timedelta(weeks=2)
    make_booking(world["lab"], world["rival"], clash, clash + timedelta(hours=1))
    with app.app_context():
        with pytest.raises(SeriesConflict) as refused:
            service.create_series(_user(world["teacher"]), _weekly(world["lab"]), now=NOW)
        assert [v.ok for v in refused.value.verdicts].count(False) == 1
        assert len(_bookings(world["lab"])) == 1
        series, booked, skipped = service.create_series(
            _user(world["teacher"]), _weekly(world["lab"], skip_conflicts=True), now=NOW)
        assert len(booked) == 9 and [v.period.start for v in skipped] == [clash]
        assert all(b.series_id == series.id for b in booked)


def test_closures_are_skipped_or_reported_as_chosen(app, world):
    holiday = FIRST + timedelta(weeks=9)  # the May holiday week, say
    with app.app_context():
        db.session.add(Closure(resource_id=world["lab"], start_at=holiday - timedelta(days=1),
                               end_at=holiday + timedelta(days=5), reason="Holiday"))
        db.session.commit()
        with pytest.raises(SeriesConflict):
            service.create_series(_user(world["teacher"]), _weekly(world["lab"]), now=NOW)
        _, booked, skipped = service.create_series(
            _user(world["teacher"]), _weekly(world["lab"], skip_closures=True), now=NOW)
        assert len(booked) == 9 and skipped[0].reasons[0].detail == "Holiday"


def test_skip_dates_and_weekdays(app, world):
    rule = {"weekdays": (1, 3), "skip": frozenset({date(2027, 3, 4)})}
    with app.app_context():
        _, booked, _ = service.create_series(
            _user(world["teacher"]), _weekly(world["lab"], count=6, rule=rule), now=NOW)
        days = [b.start_at.astimezone(SHANGHAI).date() for b in booked]
    assert days == [date(2027, 3, 2), date(2027, 3, 9), date(2027, 3, 11), date(2027, 3, 16),
                    date(2027, 3, 18)]


def test_a_weekly_series_keeps_its_wall_clock_time_across_dst(app, world, make_resource):
    berlin_lab = make_resource(world["studio"], timezone="Europe/Berlin")
    start = datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN)
    with app.app_context():
        _, booked, _ = service.create_series(
            _user(world["teacher"]), _weekly(berlin_lab, count=3, start=start), now=NOW)
        utc_hours = [b.start_at.hour for b in booked]
        local = {b.start_at.astimezone(BERLIN).time() for b in booked}
    assert utc_hours == [8, 7, 7] and local == {time(9)}


def test_caps_give_a_clear_refusal(app, world):
    with app.app_context():
        for rule in (Recurrence(Frequency.DAILY, count=1000),
                     Recurrence(Frequency.WEEKLY, until=date(2030, 1, 1))):
            request = SeriesRequest(BookingRequest(world["lab"], FIRST, FIRST + timedelta(hours=1)),
                                    rule)
            with pytest.raises(InvalidInput) as refused:
                service.create_series(_user(world["teacher"]), request, now=NOW)
            assert "repeat" in refused.value.fields
        assert _bookings(world["lab"]) == []


def test_cancel_one_following_and_all(app, world):
    with app.app_context():
        series, booked, _ = service.create_series(_user(world["teacher"]),
                                                  _weekly(world["lab"]), now=NOW)
        ids = [b.id for b in booked]
        booking_service.cancel_booking(_user(world["teacher"]), ids[1])
        with pytest.raises(NotFound):  # another organisation's series does not exist for it
            service.cancel_series(_user(world["outsider"]), series.id)
        service.cancel_series(_user(world["teacher"]), series.id, from_booking_id=ids[6])
        states = [db.session.get(Booking, i).status for i in ids]
        assert states.count(BookingStatus.CANCELLED) == 1 + 4
        assert states[6:] == [BookingStatus.CANCELLED] * 4
        service.cancel_series(_user(world["teacher"]), series.id)
        assert all(db.session.get(Booking, i).status is BookingStatus.CANCELLED for i in ids)


def test_editing_the_series_keeps_cancelled_and_moved_dates(app, world):
    with app.app_context():
        series, booked, _ = service.create_series(_user(world["teacher"]),
                                                  _weekly(world["lab"], count=4), now=NOW)
        ids = [b.id for b in booked]
        booking_service.cancel_booking(_user(world["teacher"]), ids[1])
        moved_to = FIRST + timedelta(weeks=2, days=1)  # Wednesday instead of Tuesday
        booking_service.move_booking(_user(world["teacher"]), ids[2], moved_to,
                                     moved_to + timedelta(hours=2), now=NOW)
        service.update_series(_user(world["teacher"]), series.id, title="Rigging lab",
                              start_time=time(15), end_time=time(17), now=NOW)
        first, cancelled, moved, last = (db.session.get(Booking, i) for i in ids)
        assert cancelled.status is BookingStatus.CANCELLED
        assert moved.start_at == moved_to and moved.title == "Rigging lab"
        assert first.start_at.astimezone(SHANGHAI).hour == 15
        assert last.start_at.astimezone(SHANGHAI).hour == 15
        assert db.session.get(BookingSeries, series.id).title == "Rigging lab"


def test_approval_needing_series_is_approved_as_a_whole(app, world, make_resource):
    booth = make_resource(world["studio"], approval_required=True)
    with app.app_context():
        series, booked, _ = service.create_series(_user(world["teacher"]),
                                                  _weekly(booth, count=3), now=NOW)
        assert {b.status for b in booked} == {BookingStatus.PENDING}
        with pytest.raises(NotAllowed):
            service.approve_series(_user(world["teacher"]), series.id)
        approved = service.approve_series(_user(world["admin"]), series.id)
        assert {b.status for b in approved} == {BookingStatus.CONFIRMED} and len(approved) == 3


def test_retiming_into_a_clash_moves_no_date(app, world, make_booking):
    clash = FIRST + timedelta(weeks=2, hours=2)  # 16:00 on the third Tuesday
    make_booking(world["lab"], world["rival"], clash, clash + timedelta(hours=1))
    with app.app_context():
        series, booked, _ = service.create_series(_user(world["teacher"]),
                                                  _weekly(world["lab"], count=4), now=NOW)
        before = [(b.id, b.start_at) for b in booked]
        with pytest.raises(SeriesConflict) as refused:
            service.update_series(_user(world["teacher"]), series.id, start_time=time(15),
                                  end_time=time(17), now=NOW)
        assert [v.ok for v in refused.value.verdicts] == [True, True, False, True]
        assert [(b.id, b.start_at) for b in
                (db.session.get(Booking, i) for i, _ in before)] == before
