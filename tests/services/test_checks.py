"""One check path: a rule added to CHECKS binds booking, series, moving, re-timing, approving."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking import scheduling
from booking.exceptions import Conflict, SeriesConflict
from booking.extensions import db
from booking.models import Booking, BookingStatus, User
from booking.scheduling import Frequency, Reason, Recurrence
from booking.services import bookings, checks, series
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.conftest import utc

NOW = utc(2027, 1, 4)
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
QUOTA = "quota_exceeded"


def at_most_three_hours(proposal: checks.Proposal) -> list[list[Reason]]:
    """A stand-in for a quota: no period of the proposal may last more than three hours."""
    return [[Reason(QUOTA, limit=180)] if p.duration > timedelta(hours=3) else []
            for p in proposal.periods]


@pytest.fixture
def quota(monkeypatch):
    monkeypatch.setattr(checks, "CHECKS", (*checks.CHECKS, at_most_three_hours))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _codes(exc) -> set[str]:
    return {reason.code for reason in exc.reasons}


@pytest.fixture
def world(make_org, make_user, make_resource):
    studio = make_org("Studio", "enterprise")
    return {"teacher": make_user("t@school.org", make_org("School")),
            "admin": make_user("a@studio.org", studio, role="org_admin"),
            "lab": make_resource(studio), "booth": make_resource(studio, approval_required=True)}


def test_a_rule_added_to_checks_binds_every_path(app, world, quota):
    teacher = world["teacher"]
    with app.app_context():
        with pytest.raises(Conflict) as refused:
            bookings.create_booking(_user(teacher), BookingRequest(
                world["lab"], MONDAY, MONDAY + timedelta(hours=4)), now=NOW)
        assert _codes(refused.value) == {QUOTA}
        first = BookingRequest(world["lab"], MONDAY, MONDAY + timedelta(hours=4))
        with pytest.raises(SeriesConflict) as refused:
            series.create_series(_user(teacher), SeriesRequest(
                first, Recurrence(Frequency.WEEKLY, count=2)), now=NOW)
        assert all(_codes(v) == {QUOTA} for v in refused.value.verdicts)
        short = bookings.create_booking(_user(teacher), BookingRequest(
            world["lab"], MONDAY, MONDAY + timedelta(hours=1)), now=NOW)
        with pytest.raises(Conflict):
            bookings.move_booking(_user(teacher), short.id, MONDAY,
                                  MONDAY + timedelta(hours=5), now=NOW)
        made, _booked, _ = series.create_series(_user(teacher), SeriesRequest(
            BookingRequest(world["lab"], MONDAY + timedelta(days=1),
                           MONDAY + timedelta(days=1, hours=1)),
            Recurrence(Frequency.WEEKLY, count=2)), now=NOW)
        with pytest.raises(SeriesConflict):
            series.update_series(_user(teacher), made.id, start_time=time(8),
                                 end_time=time(12), now=NOW)


def test_approving_asks_the_same_checks_again(app, world, make_booking, monkeypatch):
    long_request = make_booking(world["booth"], world["teacher"], MONDAY,
                                MONDAY + timedelta(hours=4), status="pending")
    monkeypatch.setattr(checks, "CHECKS", (*checks.CHECKS, at_most_three_hours))
    with app.app_context():
        with pytest.raises(Conflict) as refused:
            bookings.approve_booking(_user(world["admin"]), long_request, now=NOW)
        assert _codes(refused.value) == {QUOTA}
        assert db.session.get(Booking, long_request).status is BookingStatus.PENDING


def test_notice_binds_the_booker_when_asking_not_the_owner_when_approving(
        app, world, make_resource, make_booking):
    """Approval judges with now=None: a request that met the notice then still may stand."""
    strict = make_resource(approval_required=True, notice_minutes=7 * 24 * 60)
    soon = NOW + timedelta(days=2)
    request = make_booking(strict, world["teacher"], soon, soon + timedelta(hours=1),
                           status="pending")
    with app.app_context():
        user = _user(world["teacher"])
        resource = db.session.get(Booking, request).resource
        asked = checks.judge(user, resource, [db.session.get(Booking, request).period], 1,
                             now=NOW, excluding=frozenset({request}))
        assert {r.code for r in asked[0].reasons} == {scheduling.TOO_SOON}
        approved = checks.judge(user, resource, [db.session.get(Booking, request).period], 1,
                                now=None, excluding=frozenset({request}))
        assert approved[0].ok
