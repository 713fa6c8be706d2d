"""The ledger equals a brute-force sum over the bookings, whatever happened to them.

Hypothesis books, moves, cancels, approves and rejects through the services on resources in
three time zones (one with places, one needing approval), with bookings that cross the
resources' midnights; then, for periods that cut bookings in half, the sharing table (read
from the ledger) must equal a plain Python sum over every booking row: only confirmed ones,
by their part inside the period in their resource's zone, owner = borrower for own use.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from booking.exceptions import BookingError
from booking.extensions import db
from booking.models import Booking, BookingStatus, LedgerEntry, LedgerMonth, Resource, User
from booking.services import bookings, ledger, resources, sharing
from booking.services.bookings import BookingRequest
from booking.services.sharing import Period

BASE = datetime(2031, 3, 1, tzinfo=timezone.utc)  # a Saturday; London's clocks go on Mar 30
ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York")


def brute_force(period: Period, kind: str | None = None
                ) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(owner, borrower) -> (bookings, seconds, place-seconds), from every booking row."""
    totals = defaultdict(lambda: [0, 0, 0])
    for booking in db.session.scalars(sa.select(Booking)):
        if booking.status is not BookingStatus.CONFIRMED:
            continue
        if kind and booking.resource.kind != kind:
            continue
        zone = ZoneInfo(booking.resource.timezone)
        start = datetime.combine(period.first, time(0), tzinfo=zone)
        end = datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=zone)
        seconds = (min(end, booking.end_at) - max(start, booking.start_at)).total_seconds()
        if seconds > 0:
            total = totals[(booking.resource.organisation_id, booking.organisation_id)]
            total[0] += 1
            total[1] += round(seconds)
            total[2] += round(seconds) * booking.quantity
    return {key: tuple(value) for key, value in totals.items()}


def from_ledger(viewer: User, period: Period, kind=None) -> dict:
    return {(r.owner.id, r.borrower.id): (r.bookings, r.seconds, r.place_seconds)
            for r in sharing.sharing_rows(viewer, period, kind)}


@pytest.fixture
def world(app, make_org, make_user, make_resource):
    owner, school, other = make_org("Owner"), make_org("School"), make_org("Other")
    people = {
        "owner_admin": make_user("oa@example.org", owner, role="org_admin"),
        "owner_member": make_user("om@example.org", owner),
        "teacher": make_user("t@example.org", school),
        "stranger": make_user("s@example.org", other),
        "school_admin": make_user("sa@example.org", school, role="org_admin"),
        "platform": make_user("p@example.org", other, role="platform_admin"),
    }
    rooms = [make_resource(owner, timezone=ZONES[0], capacity=5, kind="facility"),
             make_resource(owner, timezone=ZONES[1], capacity=1, approval_required=True,
                           kind="staff"),
             make_resource(school, timezone=ZONES[2], capacity=3, kind="practice_base")]
    return {"people": people, "resources": rooms, "orgs": (owner, school, other)}


bookers = st.sampled_from(("owner_member", "teacher", "stranger", "owner_admin"))
steps = st.lists(st.one_of(
    st.tuples(st.just("book"), bookers, st.integers(0, 2), st.integers(0, 24 * 9),
              st.integers(1, 40), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 99)),
    st.tuples(st.just("approve"), st.integers(0, 99)),
    st.tuples(st.just("reject"), st.integers(0, 99)),
    st.tuples(st.just("move"), st.integers(0, 99), st.integers(-30, 30)),
), min_size=1, max_size=14)
periods = st.tuples(st.integers(-1, 10), st.integers(0, 6))


def _play(people: dict, rooms: list[int], plan) -> None:
    made: list[int] = []
    for step in plan:
        user = db.session.get(User, people[step[1]] if step[0] == "book" else
                              people["owner_admin"])
        try:
            if step[0] == "book":
                _, _, room, hour, length, places = step
                start = BASE + timedelta(hours=hour)
                made.append(bookings.create_booking(user, BookingRequest(
                    rooms[room], start, start + timedelta(hours=length), min(places, 3))).id)
            elif made:
                booking_id = made[step[1] % len(made)]
                if step[0] == "cancel":
                    bookings.cancel_booking(user, booking_id)
                elif step[0] == "approve":
                    bookings.approve_booking(user, booking_id)
                elif step[0] == "reject":
                    bookings.reject_booking(user, booking_id)
                else:
                    booking = db.session.get(Booking, booking_id)
                    shift = timedelta(hours=step[2])
                    bookings.move_booking(user, booking_id, booking.start_at + shift,
                                          booking.end_at + shift + timedelta(minutes=30))
        except BookingError:
            db.session.rollback()


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps, asked=st.lists(periods, min_size=1, max_size=3))
def test_the_ledger_equals_a_brute_force_sum_over_the_bookings(app, world, plan, asked):
    people, rooms = world["people"], world["resources"]
    with app.app_context():
        db.session.execute(sa.delete(LedgerEntry))
        db.session.execute(sa.delete(LedgerMonth))
        db.session.execute(sa.delete(Booking))
        db.session.commit()
        _play(people, rooms, plan)
        db.session.rollback()
        platform = db.session.get(User, people["platform"])
        # Whole months (read from the monthly table) with days before and after them too.
        for offset, days in asked + [(-30, 60), (0, 30), (-1, 45), (-28, 27)]:
            first = BASE.date() + timedelta(days=offset)
            period = Period(first, first + timedelta(days=days))
            assert from_ledger(platform, period) == brute_force(period), period
            for kind in ("facility", "staff"):
                assert from_ledger(platform, period, kind) == brute_force(period, kind)


def test_the_ledger_follows_a_resource_into_another_time_zone(app, world):
    people, rooms = world["people"], world["resources"]
    with app.app_context():
        teacher = db.session.get(User, people["teacher"])
        start = datetime(2031, 3, 3, 15, 0, tzinfo=timezone.utc)  # 23:00 in Shanghai
        bookings.create_booking(teacher, BookingRequest(rooms[0], start,
                                                        start + timedelta(hours=3), 2))
        admin = db.session.get(User, people["owner_admin"])
        resources.update_resource_fields(admin, rooms[0], timezone="UTC")
        platform = db.session.get(User, people["platform"])
        for first in (date(2031, 3, 3), date(2031, 3, 4)):
            period = Period(first, first)
            assert from_ledger(platform, period) == brute_force(period)
        assert from_ledger(platform, Period(date(2031, 3, 3), date(2031, 3, 3)))[
            (world["orgs"][0], world["orgs"][1])] == (1, 3 * 3600, 6 * 3600)


def test_the_ledger_follows_a_resource_into_another_kind(app, world):
    people, rooms = world["people"], world["resources"]
    with app.app_context():
        teacher = db.session.get(User, people["teacher"])
        start = BASE + timedelta(days=3)
        bookings.create_booking(teacher, BookingRequest(rooms[0], start,
                                                        start + timedelta(hours=2), 2))
        admin = db.session.get(User, people["owner_admin"])
        resources.update_resource_fields(admin, rooms[0], kind="staff", timezone="UTC")
        platform = db.session.get(User, people["platform"])
        march = Period(date(2031, 3, 1), date(2031, 3, 31))
        assert from_ledger(platform, march, "facility") == {}
        assert from_ledger(platform, march, "staff") == brute_force(march, "staff") != {}


def test_own_use_is_the_owners_own_row_and_kinds_filter(app, world):
    people, rooms = world["people"], world["resources"]
    owner, school, _other = world["orgs"]
    with app.app_context():
        member = db.session.get(User, people["owner_member"])
        teacher = db.session.get(User, people["teacher"])
        start = BASE + timedelta(days=2, hours=1)
        bookings.create_booking(member, BookingRequest(rooms[0], start,
                                                       start + timedelta(hours=2)))
        bookings.create_booking(teacher, BookingRequest(rooms[0], start,
                                                        start + timedelta(hours=1), 3))
        platform = db.session.get(User, people["platform"])
        period = Period(date(2031, 3, 1), date(2031, 3, 31))
        assert from_ledger(platform, period) == {(owner, owner): (1, 7200, 7200),
                                                 (owner, school): (1, 3600, 10800)}
        assert from_ledger(platform, period, "staff") == {}
        assert from_ledger(platform, period, "facility") == from_ledger(platform, period)


def test_count_booking_adds_a_stored_booking_once(app, world, make_booking):
    people, rooms = world["people"], world["resources"]
    start = BASE + timedelta(hours=20)
    make_booking(rooms[2], people["teacher"], start, start + timedelta(hours=30), quantity=2)
    make_booking(rooms[2], people["teacher"], start, start + timedelta(hours=1),
                 status="pending")
    with app.app_context():
        platform = db.session.get(User, people["platform"])
        for days in range(4):
            period = Period(BASE.date() + timedelta(days=days), BASE.date() + timedelta(days=3))
            assert from_ledger(platform, period) == brute_force(period)
        ledger.rebuild(db.session.get(Resource, rooms[2]))
        period = Period(BASE.date(), BASE.date() + timedelta(days=3))
        assert from_ledger(platform, period) == brute_force(period)
