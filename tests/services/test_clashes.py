"""A refusal's clashes as the refused person may know them: own times, mine, pending, no ids."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.exceptions import Conflict
from booking.extensions import db
from booking.models import User
from booking.services import bookings
from booking.services.bookings import BookingRequest
from tests.conftest import utc

NOW = utc(2027, 1, 4)
TEN = utc(2027, 3, 2, 2)  # 10:00 in Shanghai


@pytest.fixture
def world(make_org, make_user, make_resource, make_booking):
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    teacher, engineer = make_user("t@school.org", school), make_user("e@studio.org", studio)
    booth = make_resource(studio, buffer_before_minutes=15)
    return {"teacher": teacher, "booth": booth,
            "theirs": make_booking(booth, engineer, TEN, TEN + timedelta(hours=1)),
            "mine": make_booking(booth, teacher, TEN + timedelta(hours=3),
                                 TEN + timedelta(hours=4), status="pending")}


def _refusal(world, start, end):
    teacher = db.session.get(User, world["teacher"])
    with pytest.raises(Conflict) as refused:
        bookings.create_booking(teacher, BookingRequest(world["booth"], start, end), now=NOW)
    (reason,) = refused.value.reasons
    return reason


def test_another_organisations_clash_keeps_its_own_times_but_not_its_id(app, world):
    with app.app_context():
        reason = _refusal(world, TEN - timedelta(hours=1), TEN)  # only the buffer clashes
        assert reason.booking_ids == ()
        (clash,) = reason.clashes
        assert clash.booking_id is None and not clash.mine
        assert (clash.period.start, clash.period.end) == (TEN, TEN + timedelta(hours=1))
        assert reason.intervals[0].start == TEN - timedelta(minutes=15)  # the padded span


def test_my_own_pending_request_is_named_with_its_id(app, world):
    with app.app_context():
        reason = _refusal(world, TEN + timedelta(hours=3), TEN + timedelta(hours=4))
        assert reason.booking_ids == (world["mine"],)
        (clash,) = reason.clashes
        assert clash.booking_id == world["mine"] and clash.mine and clash.pending
