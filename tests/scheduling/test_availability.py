"""Opening windows and closures on the real timeline, across daylight-saving changes."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.scheduling import (
    BookingRules, Closure, Interval, WeeklyWindow, at_local, available_periods, check_booking,
    free_slots, max_booking_length,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
SUNDAY = 6


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_day(year: int, month: int, day: int, zone: ZoneInfo) -> Interval:
    """One whole local calendar day."""
    start = datetime(year, month, day)
    return Interval(start.replace(tzinfo=zone), (start + timedelta(days=1)).replace(tzinfo=zone))


def every_day(*hours: tuple[int, int], zone: str = "Europe/Berlin", **rules) -> BookingRules:
    """Rules with the same windows (whole local hours) on every day of the week."""
    windows = [WeeklyWindow(day, time(start), time(end))
               for day in range(7) for start, end in hours]
    return BookingRules(timezone=zone, windows=windows, **rules)


@pytest.mark.parametrize("day, expected", [
    # An ordinary Sunday in winter: UTC+1 all day.
    ((2027, 3, 21), [(utc(2027, 3, 20, 23), utc(2027, 3, 21, 5)),
                     (utc(2027, 3, 21, 7), utc(2027, 3, 21, 17))]),
    # Spring forward at 02:00: 00:00-06:00 is five real hours, 08:00-18:00 (CEST) still ten.
    ((2027, 3, 28), [(utc(2027, 3, 27, 23), utc(2027, 3, 28, 4)),
                     (utc(2027, 3, 28, 6), utc(2027, 3, 28, 16))]),
    # Fall back at 03:00: 02:00-03:00 happens twice, so 00:00-06:00 is seven real hours.
    ((2027, 10, 31), [(utc(2027, 10, 30, 22), utc(2027, 10, 31, 5)),
                      (utc(2027, 10, 31, 7), utc(2027, 10, 31, 17))]),
])
def test_berlin_windows_across_daylight_saving(day, expected):
    rules = every_day((0, 6), (8, 18))
    periods = available_periods(rules, local_day(*day, BERLIN))
    assert periods == [Interval(start, end) for start, end in expected]


def test_berlin_window_lengths_on_change_days():
    rules = every_day((0, 6), (8, 18))
    spring = available_periods(rules, local_day(2027, 3, 28, BERLIN))
    autumn = available_periods(rules, local_day(2027, 10, 31, BERLIN))
    assert [p.duration for p in spring] == [timedelta(hours=5), timedelta(hours=10)]
    assert [p.duration for p in autumn] == [timedelta(hours=7), timedelta(hours=10)]


def test_a_window_inside_the_skipped_hour_does_not_happen():
    rules = every_day((2, 3))
    assert available_periods(rules, local_day(2027, 3, 28, BERLIN)) == []
    assert available_periods(rules, local_day(2027, 10, 31, BERLIN)) == [
        Interval(utc(2027, 10, 31, 0), utc(2027, 10, 31, 2))]  # 02:00 CEST to 03:00 CET


def test_shanghai_has_no_daylight_saving():
    rules = every_day((8, 18), zone="Asia/Shanghai")
    for day in [(2027, 3, 28), (2027, 7, 1), (2027, 10, 31)]:
        assert available_periods(rules, local_day(*day, SHANGHAI)) == [
            Interval(utc(*day, 0), utc(*day, 10))]


@pytest.mark.parametrize("clock, expected", [
    (time(1, 30), utc(2027, 3, 28, 0, 30)),  # CET
    (time(2, 30), utc(2027, 3, 28, 1, 30)),  # skipped: read as CET, i.e. 03:30 CEST
    (time(3, 30), utc(2027, 3, 28, 1, 30)),  # CEST
])
def test_at_local_in_the_spring_gap(clock, expected):
    assert at_local(datetime(2027, 3, 28).date(), clock, BERLIN) == expected


def test_at_local_takes_the_first_of_a_repeated_time():
    assert at_local(datetime(2027, 10, 31).date(), time(2, 30), BERLIN) == utc(2027, 10, 31, 0, 30)
    assert at_local(datetime(2027, 10, 31).date(), time(2, 30, fold=1), BERLIN) == utc(
        2027, 10, 31, 0, 30)


def test_available_periods_clip_to_the_span_and_leave_out_closures():
    rules = every_day((8, 18), zone="Asia/Shanghai",
                      closures=[Closure(Interval(utc(2027, 5, 4, 4), utc(2027, 5, 4, 5)), "lunch"),
                                Closure(Interval(utc(2027, 5, 5, 0), utc(2027, 5, 6, 0)))])
    span = Interval(utc(2027, 5, 4, 2), utc(2027, 5, 5, 23))
    assert available_periods(rules, span) == [
        Interval(utc(2027, 5, 4, 2), utc(2027, 5, 4, 4)),
        Interval(utc(2027, 5, 4, 5), utc(2027, 5, 4, 10)),
    ]


def test_no_windows_means_open_around_the_clock():
    span = Interval(utc(2027, 5, 4, 2), utc(2027, 5, 9, 23))
    assert available_periods(BookingRules(), span) == [span]


def test_a_booking_across_the_spring_change_fits_its_window():
    rules = every_day((0, 6), slot_minutes=60)
    night = Interval(datetime(2027, 3, 28, 1, tzinfo=BERLIN),
                     datetime(2027, 3, 28, 5, tzinfo=BERLIN))
    assert night.duration == timedelta(hours=3)
    assert check_booking(rules, night, occupying=[], now=LONG_AGO) == []


def test_slot_grid_counts_real_time_from_the_window_start():
    rules = every_day((0, 6), slot_minutes=60)
    slots = free_slots(rules, local_day(2027, 3, 28, BERLIN), occupying=[], now=LONG_AGO)
    local_starts = [slot.period.start.astimezone(BERLIN).time() for slot in slots]
    assert local_starts == [time(0), time(1), time(3), time(4), time(5)]
    assert {slot.period.duration for slot in slots} == {timedelta(hours=1)}


@pytest.mark.parametrize("settings", [
    {"timezone": "Mars/Olympus_Mons"}, {"timezone": "Europe"}, {"timezone": ""},
    {"capacity": 0}, {"slot_minutes": 0}, {"notice_minutes": -1}, {"buffer_after_minutes": -5},
    {"min_minutes": 90, "max_minutes": 60},
    {"slot_minutes": 30, "min_minutes": 40, "max_minutes": 50},  # no whole-slot length fits
])
def test_impossible_rules_are_rejected(settings):
    with pytest.raises(ValueError):
        BookingRules(**settings)


@pytest.mark.parametrize("weekday, start, end", [
    (7, time(9), time(10)), (-1, time(9), time(10)), (0, time(10), time(9)),
    (0, time(9), time(9)), (0, time(9, tzinfo=UTC), time(10, tzinfo=UTC)),
])
def test_impossible_windows_are_rejected(weekday, start, end):
    with pytest.raises(ValueError):
        WeeklyWindow(weekday, start, end)


def test_rules_take_lists_and_keep_tuples():
    rules = BookingRules(windows=[WeeklyWindow(SUNDAY, time(9), time(10))], closures=[])
    assert rules.windows == (WeeklyWindow(SUNDAY, time(9), time(10)),)
    assert hash(rules) == hash(BookingRules(windows=(WeeklyWindow(SUNDAY, time(9), time(10)),)))
    assert rules.zone == SHANGHAI


def test_max_booking_length_includes_buffers():
    assert max_booking_length(BookingRules(max_minutes=120, buffer_before_minutes=10,
                                           buffer_after_minutes=20)) == timedelta(minutes=150)
    assert max_booking_length(BookingRules()) == timedelta(days=366)
