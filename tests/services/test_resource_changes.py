"""A resource's rules change only if every booking still to come keeps them (refused with a list)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking import scheduling
from booking.exceptions import BookingsWouldBreak
from booking.extensions import db
from booking.models import Booking, Resource, User
from booking.services import listings, organisations, resources
from tests.api import snapshot
from tests.conftest import utc

NOW = utc(2027, 1, 4)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def world(make_org, make_user, make_resource, make_booking):
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    teacher = make_user("t@school.org", school)
    hall = make_resource(studio, name="Hall", capacity=3)
    lab = make_resource(studio, name="Lab")
    return {"teacher": teacher, "admin": make_user("a@studio.org", studio, role="org_admin"),
            "platform": make_user("p@chair.org", role="platform_admin"),
            "school": school, "hall": hall, "lab": lab,
            "early": make_booking(hall, teacher, MONDAY, MONDAY + timedelta(hours=2)),
            "late": make_booking(hall, teacher, MONDAY + timedelta(hours=1),
                                 MONDAY + timedelta(hours=3)),
            "lab_booking": make_booking(lab, teacher, MONDAY, MONDAY + timedelta(hours=1)),
            "lab_next": make_booking(lab, teacher, MONDAY + timedelta(hours=1, minutes=30),
                                     MONDAY + timedelta(hours=2, minutes=30))}


@pytest.mark.parametrize("resource, change, broken, code", [
    ("hall", {"capacity": 1}, {"early", "late"}, scheduling.CONFLICT),
    ("lab", {"buffer_after_minutes": 45}, {"lab_booking", "lab_next"}, scheduling.CONFLICT),
    ("lab", {"windows": [(0, time(11), time(18))]}, {"lab_booking"},
     scheduling.OUTSIDE_AVAILABILITY),
    ("lab", {"closures": [(MONDAY, MONDAY + timedelta(minutes=30), "Works")]}, {"lab_booking"},
     scheduling.CLOSED),
    ("hall", {"max_minutes": 60}, {"early", "late"}, scheduling.TOO_LONG),
])
def test_a_change_bookings_to_come_would_break_is_refused_with_their_list(
        app, world, resource, change, broken, code):
    before = snapshot(app)
    with app.app_context():
        with pytest.raises(BookingsWouldBreak) as refused:
            resources.update_resource_fields(_user(world["admin"]), world[resource], now=NOW,
                                             **change)
    assert {b.booking_id for b in refused.value.breaches} == {world[k] for k in broken}
    assert all(code in {r.code for r in b.reasons} for b in refused.value.breaches)
    assert refused.value.zone == "Asia/Shanghai"
    assert snapshot(app) == before


def test_importing_closures_over_a_booking_is_refused_too(app, world):
    before = snapshot(app)
    with app.app_context():
        with pytest.raises(BookingsWouldBreak):
            resources.add_closures(_user(world["admin"]), world["lab"],
                                   [(MONDAY, MONDAY + timedelta(days=1), "Holiday")], now=NOW)
    assert snapshot(app) == before


def test_a_change_they_keep_gives_bookings_to_come_the_new_buffers(app, world):
    with app.app_context():
        resources.update_resource_fields(_user(world["admin"]), world["lab"], now=NOW,
                                         buffer_before_minutes=10, buffer_after_minutes=20)
        booking = db.session.get(Booking, world["lab_booking"])
        assert booking.occupied_start_at == MONDAY - timedelta(minutes=10)
        assert booking.occupied_end_at == MONDAY + timedelta(hours=1, minutes=20)
        assert booking.sequence == 0  # the booker's own time did not change
        assert db.session.get(Resource, world["lab"]).longest_occupied_minutes >= 90


def test_capacity_one_makes_bookings_exclusive_again(app, world, make_booking):
    with app.app_context():
        db.session.delete(db.session.get(Booking, world["late"]))
        db.session.commit()
        resources.update_resource_fields(_user(world["admin"]), world["hall"], capacity=1,
                                         now=NOW)
        assert db.session.get(Booking, world["early"]).exclusive


def test_bookings_under_way_count_but_are_not_judged(app, world, make_booking):
    """A booking that has begun keeps its span; it still takes its places."""
    with app.app_context():
        resources.update_resource_fields(_user(world["admin"]), world["hall"], now=MONDAY +
                                         timedelta(minutes=30), max_minutes=60 * 2)
        with pytest.raises(BookingsWouldBreak) as refused:
            resources.update_resource_fields(_user(world["admin"]), world["hall"], capacity=1,
                                             now=MONDAY + timedelta(minutes=30))
    assert [b.booking_id for b in refused.value.breaches] == [world["late"]]


def test_sharing_and_suspension_keep_what_was_booked(app, world):
    with app.app_context():
        resources.update_resource_fields(_user(world["admin"]), world["lab"], open_to_all=False,
                                         now=NOW)
        kept = listings.kept_without_access(db.session.get(Resource, world["lab"]), now=NOW)
        assert [b.id for b in kept] == [world["lab_booking"], world["lab_next"]]
        resources.update_resource_fields(_user(world["admin"]), world["lab"], open_to_all=True,
                                         now=NOW)
        organisations.set_organisation_active(_user(world["platform"]), world["school"], False)
        kept = listings.kept_without_access(db.session.get(Resource, world["lab"]), now=NOW)
        assert len(kept) == 2
        statuses = set(db.session.scalars(sa.select(Booking.status)))
        assert {s.value for s in statuses} == {"confirmed"}
