"""The other kinds of alternatives (issue 14, item 5), against brute-force oracles."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from booking.scheduling import (
    BookingRules, Interval, Occupancy, WeeklyWindow, check_booking, fewer_places,
    same_time_later,
)

SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
LAB = BookingRules(windows=tuple(WeeklyWindow(day, time(9), time(17)) for day in range(5)))


def at(day: int, hour: int, zone=SHANGHAI, month: int = 5, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, tzinfo=zone)


def test_the_same_time_on_the_next_open_days():
    taken = [Occupancy(Interval(at(4, 10), at(4, 12)), booking_id=1),
             Occupancy(Interval(at(5, 9), at(5, 11)), booking_id=2)]
    wanted = Interval(at(4, 10), at(4, 11))  # a Tuesday
    found = same_time_later(LAB, wanted, occupying=taken, now=at(2, 12))
    # Wednesday is taken, then Thursday, Friday, and (the weekend closed) Monday.
    assert found == [Interval(at(d, 10), at(d, 11)) for d in (6, 7, 10)]


def test_the_wall_clock_time_stays_across_daylight_saving():
    rules = BookingRules(timezone="Europe/Berlin")
    wanted = Interval(at(27, 10, BERLIN, 3), at(27, 11, BERLIN, 3))  # the day before the change
    found = same_time_later(rules, wanted, occupying=[], now=at(1, 0, BERLIN, 3), days=2)
    assert [(f.start.astimezone(BERLIN).hour, f.duration) for f in found] == [
        (10, timedelta(hours=1))] * 2
    assert found[0].start - wanted.start == timedelta(hours=23)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20 * 24), st.integers(1, 6), st.integers(1, 3)),
                max_size=12),
       st.integers(0, 14 * 24 - 1), st.integers(1, 3), st.integers(1, 3))
def test_later_days_are_exactly_the_first_free_ones(bookings, start_hour, hours, quantity):
    rules = BookingRules(capacity=3, windows=tuple(WeeklyWindow(d, time(8), time(20))
                                                   for d in range(6)))
    base = at(3, 0)
    taken = [Occupancy(Interval(base + timedelta(hours=s), base + timedelta(hours=s + n)), q)
             for s, n, q in bookings]
    wanted = Interval(base + timedelta(hours=start_hour),
                      base + timedelta(hours=start_hour + hours))
    now = at(1, 0)
    found = same_time_later(rules, wanted, quantity=quantity, occupying=taken, now=now)
    oracle = [moved for offset in range(1, 15)
              if not check_booking(rules, moved := Interval(wanted.start + timedelta(days=offset),
                                                            wanted.end + timedelta(days=offset)),
                                   quantity=quantity, occupying=taken, now=now)][:3]
    assert found == oracle


def test_four_places_left_book_four():
    base = BookingRules(capacity=20)
    wanted = Interval(at(4, 10), at(4, 12))
    taken = [Occupancy(Interval(at(4, 9), at(4, 11)), 10),
             Occupancy(Interval(at(4, 11), at(4, 13)), 16)]
    assert fewer_places(base, wanted, quantity=10, occupying=taken, now=at(2, 0)) == 4
    assert fewer_places(base, wanted, quantity=4, occupying=taken, now=at(2, 0)) is None
    full = taken + [Occupancy(Interval(at(4, 11), at(4, 12)), 4)]
    assert fewer_places(base, wanted, quantity=10, occupying=full, now=at(2, 0)) is None
    # Places are not the only problem: the offer would be refused too, so none is made.
    closed = BookingRules(capacity=20, windows=(WeeklyWindow(0, time(9), time(17)),))
    assert fewer_places(closed, wanted, quantity=10, occupying=taken, now=at(2, 0)) is None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(1, 6), st.integers(1, 5)), max_size=8),
       st.integers(0, 8), st.integers(1, 4), st.integers(1, 6))
def test_the_places_offered_are_the_most_that_fit(bookings, start, hours, quantity):
    rules = BookingRules(capacity=6, buffer_after_minutes=30)
    base = at(4, 0)
    taken = [Occupancy(Interval(base + timedelta(hours=s), base + timedelta(hours=s + n)), q)
             for s, n, q in bookings]
    wanted = Interval(base + timedelta(hours=start), base + timedelta(hours=start + hours))
    offered = fewer_places(rules, wanted, quantity=quantity, occupying=taken, now=at(1, 0))
    fitting = [q for q in range(1, quantity + 1)
               if not check_booking(rules, wanted, quantity=q, occupying=taken, now=at(1, 0))]
    if quantity in fitting or not fitting:
        assert offered is None
    else:
        assert offered == max(fitting)
