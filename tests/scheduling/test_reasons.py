"""Every reason check_booking gives, alone and together."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from booking.scheduling import (
    CAPACITY_EXCEEDED, CLOSED, CONFLICT, INVALID_QUANTITY, OFF_SLOT_GRID, OUTSIDE_AVAILABILITY,
    REASON_CODES, TOO_FAR_AHEAD, TOO_LONG, TOO_SHORT, TOO_SOON, BookingRules, Closure, Interval,
    Occupancy, Reason, WeeklyWindow, check_booking,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    """A wall-clock time in Shanghai in 2027 (3 May 2027 is a Monday)."""
    return datetime(2027, month, day, hour, minute, tzinfo=SHANGHAI)


def period(day: int, start: tuple[int, int], end: tuple[int, int], month: int = 5) -> Interval:
    return Interval(local(day, *start, month=month), local(day, *end, month=month))


STAFF_TRAINING = Closure(Interval(local(5, 0), local(6, 0)), "Staff training")
RULES = BookingRules(
    timezone="Asia/Shanghai", capacity=2,
    windows=tuple(WeeklyWindow(day, time(9), time(17)) for day in range(5)),  # Mon-Fri
    closures=(STAFF_TRAINING,),
    slot_minutes=30, min_minutes=60, max_minutes=120,
    notice_minutes=120, horizon_days=30,
)
NOW = local(3, 8)
TUESDAY_TEN = period(4, (10, 0), (11, 0))
TWO_TAKEN = [Occupancy(TUESDAY_TEN, 1, 11), Occupancy(period(4, (10, 30), (11, 30)), 1, 12)]


def check(wanted: Interval, quantity: int = 1, occupying=(), now: datetime = NOW) -> list[Reason]:
    return check_booking(RULES, wanted, quantity=quantity, occupying=occupying, now=now)


def test_a_good_request_fits():
    assert check(TUESDAY_TEN) == []
    assert check(TUESDAY_TEN, quantity=2) == []
    assert check(TUESDAY_TEN, occupying=TWO_TAKEN[:1]) == []


@pytest.mark.parametrize("wanted, quantity, expected", [
    (TUESDAY_TEN, 0, Reason(INVALID_QUANTITY, limit=1)),
    (TUESDAY_TEN, 3, Reason(CAPACITY_EXCEEDED, limit=2)),
    (period(4, (16, 0), (17, 30)), 1,
     Reason(OUTSIDE_AVAILABILITY, intervals=(period(4, (17, 0), (17, 30)),))),
    (period(5, (10, 0), (11, 0)), 1,
     Reason(CLOSED, intervals=(period(5, (10, 0), (11, 0)),), detail="Staff training")),
    (period(4, (10, 0), (10, 30)), 1, Reason(TOO_SHORT, limit=60)),
    (period(4, (10, 0), (12, 30)), 1, Reason(TOO_LONG, limit=120)),
    (period(3, (9, 0), (10, 0)), 1, Reason(TOO_SOON, limit=120)),  # one hour's notice
    (period(30, (10, 0), (11, 0), month=4), 1, Reason(TOO_SOON, limit=120)),  # in the past
    (period(8, (10, 0), (11, 0), month=6), 1, Reason(TOO_FAR_AHEAD, limit=30)),
    (period(4, (10, 15), (11, 15)), 1, Reason(OFF_SLOT_GRID, limit=30)),  # off the grid
    (period(4, (10, 0), (11, 15)), 1, Reason(OFF_SLOT_GRID, limit=30)),  # not whole slots
], ids=lambda value: value.code if isinstance(value, Reason) else None)
def test_each_reason_alone(wanted, quantity, expected):
    assert check(wanted, quantity) == [expected]


def test_conflict_alone():
    assert check(TUESDAY_TEN, occupying=TWO_TAKEN) == [
        Reason(CONFLICT, intervals=(period(4, (10, 30), (11, 0)),), booking_ids=(11, 12), limit=0)]


def test_every_code_is_tested_alone():
    tested = {INVALID_QUANTITY, CAPACITY_EXCEEDED, OUTSIDE_AVAILABILITY, CLOSED, TOO_SHORT,
              TOO_LONG, TOO_SOON, TOO_FAR_AHEAD, OFF_SLOT_GRID, CONFLICT}
    # The fair-share rules need the database (services.checks): each is refused alone in
    # tests/services/test_quotas.py and tests/services/test_requests.py.
    tested |= {"quota", "too_many_requests"}
    assert tested == set(REASON_CODES)


def test_several_reasons_at_once():
    # Saturday, ten minutes at an odd time, for more places than exist, far ahead.
    wanted = period(12, (10, 10), (10, 20), month=6)
    codes = [reason.code for reason in check(wanted, quantity=3)]
    assert sorted(codes) == sorted([CAPACITY_EXCEEDED, TOO_SHORT, OFF_SLOT_GRID, TOO_FAR_AHEAD,
                                    OUTSIDE_AVAILABILITY])


def test_closure_conflict_and_notice_together():
    wednesday = period(5, (9, 0), (10, 0))
    taken = [Occupancy(wednesday, 2, 5)]
    reasons = check(wednesday, occupying=taken, now=local(5, 8))
    assert [reason.code for reason in reasons] == [TOO_SOON, CLOSED, CONFLICT]
    assert reasons[-1].booking_ids == (5,)


def test_an_off_grid_request_outside_every_window_is_only_outside():
    assert [r.code for r in check(period(4, (17, 15), (18, 15)))] == [OUTSIDE_AVAILABILITY]


def test_naive_now_is_rejected():
    with pytest.raises(ValueError, match="now"):
        check(TUESDAY_TEN, now=datetime(2027, 5, 3, 8))
