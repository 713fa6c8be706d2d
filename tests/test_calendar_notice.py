"""Open time nobody can book yet says so: "bookable from …", never "fully booked"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from booking import scheduling
from booking.calendar_grid import (HORIZON, NOTICE, NotYet, TimelineResource, View, month_grid,
                                   timeline, window_limits)
from booking.scheduling import Interval, Occupancy, available_periods
from tests.test_calendar_grid import SHANGHAI, local, weekdays

NOW = local(SHANGHAI, 2027, 3, 1, 10, 0)  # a Monday morning


def day_of(grid, day: date):
    return next(d for week in grid.weeks for d in week if d.day == day)


def test_an_empty_day_inside_the_notice_period_is_bookable_from_the_end_of_the_notice():
    rules = weekdays(9, 18, notice_minutes=2 * 24 * 60)
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], rules=rules, now=NOW)
    tuesday = day_of(grid, date(2027, 3, 2))
    assert tuesday.first_free is None
    assert tuesday.not_yet == NotYet(NOTICE, NOW + timedelta(days=2))
    wednesday = day_of(grid, date(2027, 3, 3))  # free from 10:00, when the notice ends
    assert wednesday.first_free is not None and wednesday.not_yet is None


def test_a_fully_booked_day_stays_fully_booked():
    rules = weekdays(9, 18)
    taken = Interval(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 18))
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], rules=rules,
                      occupying=[Occupancy(taken)], now=NOW)
    tuesday = day_of(grid, date(2027, 3, 2))
    assert tuesday.first_free is None and tuesday.not_yet is None and tuesday.is_open


def test_a_day_beyond_the_horizon_opens_for_booking_later():
    rules = weekdays(9, 18, horizon_days=10)
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], rules=rules, now=NOW)
    far = day_of(grid, date(2027, 3, 15))
    assert far.not_yet == NotYet(HORIZON, local(SHANGHAI, 2027, 3, 5, 9))


def test_the_timeline_says_not_yet_rather_than_busy():
    rules = weekdays(9, 18, notice_minutes=24 * 60)
    line = timeline([TimelineResource(1, "Lab", rules)], View.DAY, date(2027, 3, 1),
                    "Asia/Shanghai", now=NOW)
    states = {column.start.hour: cell.state
              for column, cell in zip(line.columns, line.rows[0].cells)}
    assert states[9] == "past" and states[11] == "not-yet" and states[17] == "not-yet"
    assert line.rows[0].cells[3].not_yet == NotYet(NOTICE, NOW + timedelta(days=1))


def test_a_grid_notes_the_edges_of_the_booking_window_it_shows():
    rules = weekdays(9, 18, notice_minutes=24 * 60, horizon_days=3)
    week = Interval(local(SHANGHAI, 2027, 3, 1), local(SHANGHAI, 2027, 3, 8))
    assert window_limits(rules, week, NOW) == [NotYet(NOTICE, NOW + timedelta(days=1)),
                                               NotYet(HORIZON, NOW + timedelta(days=3))]
    assert window_limits(weekdays(9, 18), week, NOW) == []


def _starts(opening: list[Interval], step: timedelta):
    for part in opening:
        moment = part.start
        while moment + step <= part.end:
            yield moment
            moment += step


@settings(max_examples=60, deadline=None)
@given(notice_hours=st.integers(0, 120), horizon=st.one_of(st.none(), st.integers(1, 20)),
       offset=st.integers(0, 27))
def test_an_empty_day_offers_a_time_or_says_why_not_as_check_booking_does(notice_hours, horizon,
                                                                         offset):
    assume(horizon is None or notice_hours < horizon * 24)  # the catalogue refuses the others
    rules = weekdays(9, 18, notice_minutes=notice_hours * 60, horizon_days=horizon)
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], rules=rules, now=NOW)
    cell = day_of(grid, date(2027, 3, 1) + timedelta(days=offset))
    day = Interval(datetime.combine(cell.day, time(0), SHANGHAI),
                   datetime.combine(cell.day + timedelta(days=1), time(0), SHANGHAI))
    opening = [p for p in available_periods(rules, day) if p.end > NOW]
    hour = timedelta(hours=1)
    verdicts = {start: {r.code for r in scheduling.check_booking(
        rules, Interval(start, start + hour), occupying=[], now=NOW)}
        for start in _starts(opening, timedelta(minutes=15))}
    if cell.first_free is not None:
        assert any(not codes for codes in verdicts.values())
        assert cell.not_yet is None
    elif opening:  # open later today or on a later day, and nothing free: the window says why
        assert cell.not_yet is not None
        wanted = scheduling.TOO_SOON if cell.not_yet.kind == NOTICE else scheduling.TOO_FAR_AHEAD
        assert all(wanted in codes for codes in verdicts.values())


def test_bookable_from_names_the_first_open_time_after_the_notice():
    rules = weekdays(9, 18, notice_minutes=44 * 60)  # the notice ends at 06:00 on Wednesday
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], rules=rules, now=NOW)
    tuesday = day_of(grid, date(2027, 3, 2))
    assert tuesday.not_yet == NotYet(NOTICE, local(SHANGHAI, 2027, 3, 3, 9))
