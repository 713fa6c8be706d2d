"""A request cannot block a practice base for months: a limit on waiting requests, and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from booking import events
from booking.events import Action
from booking.exceptions import Conflict
from booking.extensions import db
from booking.models import Booking, BookingStatus, User
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings, series
from booking.services.bookings import BookingRequest
from booking.services.expiry import expire_requests
from booking.services.series import SeriesRequest

START = datetime(2031, 3, 3, 1, 0, tzinfo=timezone.utc)
NOW = datetime(2031, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def world(make_org, make_user, make_resource):
    owner, school = make_org("Base"), make_org("School")
    return {"base": make_resource(owner, capacity=20, approval_required=True, max_pending=2,
                                  request_expiry_days=14),
            "teacher": make_user("t@school.org", school),
            "colleague": make_user("c@school.org", school),
            "admin": make_user("a@base.org", owner, role="org_admin")}


def request(user_id, resource_id, day):
    start = START + timedelta(days=day)
    return bookings.create_booking(db.session.get(User, user_id), BookingRequest(
        resource_id, start, start + timedelta(hours=1)), now=NOW)


def test_an_organisation_may_have_only_so_many_requests_waiting(app, world):
    with app.app_context():
        first = request(world["teacher"], world["base"], 0)
        teacher = db.session.get(User, world["teacher"])
        series.create_series(teacher, SeriesRequest(BookingRequest(
            world["base"], START + timedelta(days=1), START + timedelta(days=1, hours=1)),
            Recurrence(Frequency.WEEKLY, count=5)), now=NOW)  # a series is one request
        with pytest.raises(Conflict) as refused:
            request(world["colleague"], world["base"], 2)
        assert refused.value.reasons[0].code == "too_many_requests"
        assert refused.value.reasons[0].limit == 2
        admin = db.session.get(User, world["admin"])
        bookings.approve_booking(admin, first.id, now=NOW)  # decided: no longer waiting
        request(world["colleague"], world["base"], 2)
        request(world["admin"], world["base"], 3)  # the owner's admins are confirmed at once


def test_requests_expire_after_the_resources_days_and_the_booker_is_told(app, world, runner):
    heard = []
    events.subscribe(app, lambda e: heard.append(
        (e.action, [b.id for b in e.bookings], e.actor.id, e.bookings[0].status)))
    with app.app_context():
        old = request(world["teacher"], world["base"], 0)
        fresh = request(world["colleague"], world["base"], 1)
        db.session.execute(sa.update(Booking).where(Booking.id == old.id).values(
            created_at=datetime.now(timezone.utc) - timedelta(days=15)))
        db.session.commit()
        old_id, fresh_id = old.id, fresh.id
    with app.app_context():  # as `flask` runs every command
        result = runner.invoke(args=["expire-requests"])
    assert result.exit_code == 0 and "Expired 1" in result.output
    with app.app_context():
        old, fresh = db.session.get(Booking, old_id), db.session.get(Booking, fresh_id)
        assert old.status is BookingStatus.REJECTED and "14 days" in old.decision_reason
        assert fresh.status is BookingStatus.PENDING
    expired = [e for e in heard if e[0] is Action.BOOKING_EXPIRED]
    assert expired == [(Action.BOOKING_EXPIRED, [old_id], world["teacher"],
                        BookingStatus.REJECTED)]
    assert expire_requests_again(app) == 0  # nothing twice


def expire_requests_again(app):
    with app.app_context():
        return expire_requests()
