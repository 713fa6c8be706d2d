"""Recurring series, against python-dateutil's rrule as an independent oracle."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from hypothesis import example, given, settings, strategies as st

from booking.scheduling import (
    MAX_SPAN, Frequency, Interval, Recurrence, RecurrenceTooLong, to_rrule_string,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY, THURSDAY, SUNDAY = 1, 3, 6


def first_period(day: date, start: time, minutes: int, zone: ZoneInfo) -> Interval:
    """The first occurrence: *minutes* of wall-clock time from *start* on *day*."""
    local_start = datetime.combine(day, start)
    local_end = local_start + timedelta(minutes=minutes)
    return Interval(_aware(local_start, zone), _aware(local_end, zone))


def _aware(naive: datetime, zone: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=zone).astimezone(UTC)  # PEP 495: fold=0


def utc_starts(recurrence: Recurrence, first: Interval, zone: ZoneInfo) -> list[datetime]:
    return [occurrence.start for occurrence in recurrence.occurrences(first, zone)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- Concrete series ----

def test_weekly_series_keeps_its_wall_clock_time_across_spring_forward():
    first = first_period(date(2027, 3, 16), time(14), 120, BERLIN)
    series = Recurrence(Frequency.WEEKLY, count=4).occurrences(first, "Europe/Berlin")
    assert [o.start for o in series] == [utc(2027, 3, 16, 13), utc(2027, 3, 23, 13),
                                         utc(2027, 3, 30, 12), utc(2027, 4, 6, 12)]
    assert {o.start.astimezone(BERLIN).time() for o in series} == {time(14)}
    assert {o.duration for o in series} == {timedelta(hours=2)}


def test_weekly_series_keeps_its_wall_clock_time_across_fall_back():
    first = first_period(date(2027, 10, 26), time(9), 60, BERLIN)
    starts = utc_starts(Recurrence("weekly", weekdays=(TUESDAY, THURSDAY), count=4), first, BERLIN)
    assert starts == [utc(2027, 10, 26, 7), utc(2027, 10, 28, 7), utc(2027, 11, 2, 8),
                      utc(2027, 11, 4, 8)]


def test_shanghai_series_never_moves_in_utc():
    first = first_period(date(2027, 3, 1), time(14), 120, SHANGHAI)
    starts = utc_starts(Recurrence(Frequency.WEEKLY, until=date(2027, 11, 30)), first, SHANGHAI)
    assert {start.time() for start in starts} == {time(6)}
    assert len(starts) == 40


def test_a_start_in_the_spring_gap_moves_on_by_the_gap():
    first = first_period(date(2027, 3, 21), time(2, 30), 60, BERLIN)
    series = Recurrence(Frequency.WEEKLY, count=3).occurrences(first, BERLIN)
    assert series[1] == Interval(utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2, 30))  # 03:30 CEST
    assert series[2].start.astimezone(BERLIN).time() == time(2, 30)


def test_an_ambiguous_autumn_start_means_the_first_one():
    first = first_period(date(2027, 10, 24), time(2, 30), 60, BERLIN)
    series = Recurrence(Frequency.WEEKLY, count=2).occurrences(first, BERLIN)
    # 02:30 CEST to 03:30 CET: the wall-clock end is kept, so the hour repeated lengthens it.
    assert series[1] == Interval(utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 2, 30))


def test_multi_day_periods_keep_their_wall_clock_end():
    # Friday 09:00 to Monday 09:00; the weekend of 26-29 March 2027 loses an hour.
    first = first_period(date(2027, 3, 19), time(9), 3 * 24 * 60, BERLIN)
    series = Recurrence(Frequency.WEEKLY, count=2).occurrences(first, BERLIN)
    assert series[1].end.astimezone(BERLIN) == datetime(2027, 3, 29, 9, tzinfo=BERLIN)
    assert series[1].duration == timedelta(hours=71)


def test_skipped_dates_use_up_the_count():
    first = first_period(date(2027, 3, 2), time(14), 120, SHANGHAI)
    series = Recurrence(Frequency.WEEKLY, count=5, skip={date(2027, 3, 16)})
    starts = [o.start.astimezone(SHANGHAI).date() for o in series.occurrences(first, SHANGHAI)]
    assert starts == [date(2027, 3, 2), date(2027, 3, 9), date(2027, 3, 23), date(2027, 3, 30)]


def test_monthly_by_date_passes_over_short_months():
    first = first_period(date(2027, 1, 31), time(10), 60, SHANGHAI)
    days = Recurrence(Frequency.MONTHLY, count=4).dates(date(2027, 1, 31))
    assert days == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31), date(2027, 7, 31)]
    assert len(Recurrence(Frequency.MONTHLY, count=4).occurrences(first, SHANGHAI)) == 4


def test_monthly_by_weekday_repeats_the_nth_weekday():
    days = Recurrence(Frequency.MONTHLY, monthly_by="weekday", count=3).dates(date(2027, 3, 10))
    assert days == [date(2027, 3, 10), date(2027, 4, 14), date(2027, 5, 12)]  # 2nd Wednesdays
    fifth = Recurrence(Frequency.MONTHLY, monthly_by="weekday", count=3).dates(date(2027, 3, 31))
    assert fifth == [date(2027, 3, 31), date(2027, 6, 30), date(2027, 9, 29)]  # 5th Wednesdays


def test_the_first_period_is_an_occurrence_only_if_the_pattern_matches_it():
    first = first_period(date(2027, 3, 3), time(9), 60, SHANGHAI)  # a Wednesday
    series = Recurrence(Frequency.WEEKLY, weekdays=(TUESDAY, THURSDAY), count=2)
    days = [o.start.astimezone(SHANGHAI).date() for o in series.occurrences(first, SHANGHAI)]
    assert days == [date(2027, 3, 4), date(2027, 3, 9)]
    assert Recurrence(Frequency.DAILY, count=1).occurrences(first, SHANGHAI) == [first]


@pytest.mark.parametrize("settings", [
    {"freq": "daily", "interval": 0, "count": 3},
    {"freq": "daily"},  # neither until nor count
    {"freq": "daily", "count": 3, "until": date(2027, 5, 1)},
    {"freq": "daily", "count": 0},
    {"freq": "weekly", "weekdays": (7,), "count": 3},
    {"freq": "daily", "weekdays": (1,), "count": 3},
    {"freq": "monthly", "monthly_by": "year", "count": 3},
    {"freq": "weekly", "monthly_by": "weekday", "count": 3},
    {"freq": "hourly", "count": 3},
    {"freq": "daily", "until": datetime(2027, 5, 1, tzinfo=UTC)},
])
def test_invalid_patterns_are_rejected(settings):
    with pytest.raises(ValueError):
        Recurrence(**settings)


def test_until_before_the_first_date_is_rejected():
    first = first_period(date(2027, 3, 3), time(9), 60, SHANGHAI)
    with pytest.raises(ValueError, match="before the first"):
        Recurrence(Frequency.DAILY, until=date(2027, 3, 2)).occurrences(first, SHANGHAI)


def test_caps():
    first = first_period(date(2027, 1, 1), time(9), 60, SHANGHAI)
    with pytest.raises(RecurrenceTooLong):
        Recurrence(Frequency.DAILY, count=1001)
    with pytest.raises(RecurrenceTooLong):  # 1000 days is more than two years
        Recurrence(Frequency.DAILY, count=1000).occurrences(first, SHANGHAI)
    with pytest.raises(RecurrenceTooLong):
        Recurrence(Frequency.WEEKLY, until=date(2029, 1, 2)).occurrences(first, SHANGHAI)
    longest = Recurrence(Frequency.DAILY, until=date(2027, 1, 1) + MAX_SPAN)
    assert len(longest.occurrences(first, SHANGHAI)) == MAX_SPAN.days + 1
    assert issubclass(RecurrenceTooLong, ValueError)


@pytest.mark.parametrize("recurrence, start, expected", [
    (Recurrence("weekly", interval=2, weekdays=(TUESDAY, THURSDAY), count=8),
     datetime(2027, 3, 2, 14, tzinfo=SHANGHAI), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=8"),
    (Recurrence("weekly", until=date(2027, 6, 29)), datetime(2027, 3, 2, 14, tzinfo=BERLIN),
     "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270629T215959Z"),
    (Recurrence("daily", count=3), datetime(2027, 3, 2, 14, tzinfo=SHANGHAI), "FREQ=DAILY;COUNT=3"),
    (Recurrence("monthly", count=3), datetime(2027, 1, 31, 9, tzinfo=SHANGHAI),
     "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3"),
    (Recurrence("monthly", monthly_by="weekday", until=date(2027, 12, 31)),
     datetime(2027, 3, 10, 9, tzinfo=SHANGHAI), "FREQ=MONTHLY;BYDAY=2WE;UNTIL=20271231T155959Z"),
])
def test_to_rrule_string(recurrence, start, expected):
    assert to_rrule_string(recurrence, start) == expected


def test_to_rrule_string_can_be_given_the_zone():
    utc_start = datetime(2027, 3, 1, 23, tzinfo=UTC)  # Tuesday 07:00 in Shanghai
    assert to_rrule_string(Recurrence("weekly", count=2), utc_start, "Asia/Shanghai") == (
        "FREQ=WEEKLY;BYDAY=TU;COUNT=2")


# ---- The oracle ----

CLOCKS = [time(0, 30), time(2, 30), time(9), time(14), time(23, 30)]


@st.composite
def series(draw):
    """A zone, a first period and a pattern, without its skipped dates."""
    zone = ZoneInfo(draw(st.sampled_from(["Asia/Shanghai", "Europe/Berlin"])))
    first_day = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    first = first_period(first_day, draw(st.sampled_from(CLOCKS)),
                         draw(st.sampled_from([30, 90, 24 * 60, 3 * 24 * 60 + 30])), zone)
    freq = draw(st.sampled_from(Frequency))
    weekly = freq is Frequency.WEEKLY
    pattern = {
        "freq": freq,
        "interval": draw(st.integers(1, 4)),
        "weekdays": tuple(draw(st.sets(st.integers(0, 6), max_size=3))) if weekly else (),
        "monthly_by": draw(st.sampled_from(["date", "weekday"])) if freq == "monthly" else "date",
    }
    if draw(st.booleans()):
        pattern["count"] = draw(st.integers(1, 40))
    else:
        pattern["until"] = first_day + timedelta(days=draw(st.integers(0, 500)))
    return zone, first, pattern


def oracle(zone: ZoneInfo, first: Interval, pattern: dict) -> list[datetime]:
    """The naive local starts python-dateutil gives for the same pattern."""
    start = first.start.astimezone(zone).replace(tzinfo=None)
    options = {"dtstart": start, "interval": pattern["interval"], "wkst": rrule.MO}
    if pattern["freq"] == "weekly" and pattern["weekdays"]:
        options["byweekday"] = sorted(pattern["weekdays"])
    elif pattern["freq"] == "monthly" and pattern["monthly_by"] == "weekday":
        options["byweekday"] = rrule.weekday(start.weekday(), (start.day - 1) // 7 + 1)
    elif pattern["freq"] == "monthly":
        options["bymonthday"] = start.day
    if "count" in pattern:
        options["count"] = pattern["count"]
    else:
        options["until"] = datetime.combine(pattern["until"], time(23, 59, 59))
    freq = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY}
    return list(rrule.rrule(freq[pattern["freq"]], **options))


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    """Whether the wall clock in *zone* ever shows *naive* (not skipped in spring)."""
    return _aware(naive, zone).astimezone(zone).replace(tzinfo=None) == naive


@settings(max_examples=150, deadline=None)
@given(series(), st.lists(st.integers(0, 60), max_size=4))
@example((BERLIN, first_period(date(2027, 3, 21), time(2, 30), 90, BERLIN),
          {"freq": "weekly", "interval": 1, "weekdays": (), "monthly_by": "date", "count": 3}), [])
def test_occurrences_agree_with_dateutil(generated, skip_picks):
    zone, first, pattern = generated
    expected = oracle(zone, first, pattern)
    skip = {expected[pick % len(expected)].date() for pick in skip_picks} if expected else set()
    recurrence = Recurrence(**pattern, skip=frozenset(skip))

    first_day = first.start.astimezone(zone).date()
    if expected and expected[-1].date() - first_day > MAX_SPAN:
        with pytest.raises(RecurrenceTooLong):
            recurrence.occurrences(first, zone)
        return
    found = recurrence.occurrences(first, zone)

    kept = [naive for naive in expected if naive.date() not in skip]
    assert len(found) == len(kept)
    wall_length = (first.end.astimezone(zone).replace(tzinfo=None)
                   - first.start.astimezone(zone).replace(tzinfo=None))
    for occurrence, naive in zip(found, kept):
        local_start = occurrence.start.astimezone(zone).replace(tzinfo=None)
        assert occurrence.start == _aware(naive, zone)  # the right UTC offset, DST or not
        if _exists(naive, zone):
            assert local_start == naive  # same local date and wall-clock time
        else:
            assert local_start == naive + timedelta(hours=1)  # moved on by the gap
        local_end = local_start + wall_length
        assert occurrence.end == _aware(local_end, zone)


@settings(max_examples=100, deadline=None)
@given(series())
def test_rrule_string_means_the_same_to_dateutil(generated):
    zone, first, pattern = generated
    recurrence = Recurrence(**pattern)
    try:
        days = [o.start.astimezone(zone).date() for o in recurrence.occurrences(first, zone)]
    except RecurrenceTooLong:
        return
    if not days:
        return
    dtstart = datetime.combine(days[0], first.start.astimezone(zone).time(), tzinfo=zone)
    if "count" in pattern:  # counting starts at the first occurrence, not at the first period
        recurrence = Recurrence(**{**pattern, "count": len(days)})
    parsed = rrule.rrulestr(to_rrule_string(recurrence, dtstart), dtstart=dtstart)
    assert [moment.date() for moment in parsed] == days
