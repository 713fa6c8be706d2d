"""Half-open intervals and the set operations on them."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from booking.scheduling import Interval, intersect, merge, require_aware, subtract

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
BASE = datetime(2027, 5, 3, tzinfo=UTC)


def hours(start: float, end: float) -> Interval:
    """The interval from *start* to *end* hours after BASE."""
    return Interval(BASE + timedelta(hours=start), BASE + timedelta(hours=end))


@pytest.mark.parametrize("first, second, overlapping", [
    ((10, 11), (11, 12), False),  # touching: half-open, so no clash
    ((10, 11), (12, 13), False),  # apart
    ((10, 12), (11, 13), True),  # partly overlapping
    ((9, 13), (10, 11), True),  # nested
    ((10, 12), (10, 12), True),  # identical
    ((10, 12), (10, 11), True),  # same start
    ((10, 12), (11, 12), True),  # same end
])
def test_overlaps_is_symmetric_and_half_open(first, second, overlapping):
    assert hours(*first).overlaps(hours(*second)) is overlapping
    assert hours(*second).overlaps(hours(*first)) is overlapping


@pytest.mark.parametrize("outer, inner, containing", [
    ((9, 13), (10, 11), True),  # nested
    ((10, 12), (10, 12), True),  # identical
    ((10, 12), (10, 11), True),  # sharing the start
    ((10, 12), (11, 12), True),  # sharing the end
    ((10, 11), (11, 12), False),  # touching
    ((10, 12), (11, 13), False),  # sticking out
    ((10, 11), (9, 13), False),  # the other way round
])
def test_contains(outer, inner, containing):
    assert hours(*outer).contains(hours(*inner)) is containing


@pytest.mark.parametrize("start, end", [
    (datetime(2027, 5, 3, 10), datetime(2027, 5, 3, 11, tzinfo=UTC)),
    (datetime(2027, 5, 3, 10, tzinfo=UTC), datetime(2027, 5, 3, 11)),
    (datetime(2027, 5, 3, 10), datetime(2027, 5, 3, 11)),
])
def test_naive_datetimes_are_rejected(start, end):
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(start, end)


@pytest.mark.parametrize("start, end", [(11, 11), (12, 11)])
def test_an_interval_must_end_after_it_starts(start, end):
    with pytest.raises(ValueError, match="end after it starts"):
        hours(start, end)


def test_require_aware():
    aware = datetime(2027, 5, 3, tzinfo=BERLIN)
    assert require_aware(aware) is aware
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        require_aware(datetime(2027, 5, 3), "now")
    with pytest.raises(TypeError):
        require_aware("2027-05-03")  # type: ignore[arg-type]


def test_ends_are_held_in_utc_so_lengths_are_real_time():
    # 01:00 to 04:00 on the spring-forward night is two real hours, not three.
    night = Interval(datetime(2027, 3, 28, 1, tzinfo=BERLIN),
                     datetime(2027, 3, 28, 4, tzinfo=BERLIN))
    assert night.start == datetime(2027, 3, 28, 0, tzinfo=UTC)
    assert night.start.tzinfo is UTC
    assert night.duration == timedelta(hours=2)
    assert night == Interval(datetime(2027, 3, 28, 0, tzinfo=UTC),
                             datetime(2027, 3, 28, 2, tzinfo=UTC))


def test_widened_and_intersection():
    assert hours(10, 11).widened(timedelta(minutes=15), timedelta(hours=1)) == hours(9.75, 12)
    assert hours(10, 12).intersection(hours(11, 13)) == hours(11, 12)
    assert hours(10, 11).intersection(hours(11, 12)) is None


def test_merge_joins_overlapping_and_touching():
    given_ = [hours(13, 14), hours(10, 11), hours(11, 12), hours(10.5, 11.5), hours(16, 17),
              hours(16.25, 16.5)]
    assert merge(given_) == [hours(10, 12), hours(13, 14), hours(16, 17)]
    assert merge([]) == []


@pytest.mark.parametrize("holes, expected", [
    ([], [(9, 17)]),
    ([(12, 13)], [(9, 12), (13, 17)]),
    ([(8, 10), (16, 18)], [(10, 16)]),
    ([(9, 10), (10, 11)], [(11, 17)]),  # touching holes
    ([(8, 18)], []),
    ([(5, 6), (18, 19)], [(9, 17)]),  # holes outside the base
    ([(12, 14), (13, 15), (9, 9.5)], [(9.5, 12), (15, 17)]),
])
def test_subtract(holes, expected):
    assert subtract(hours(9, 17), [hours(*hole) for hole in holes]) == [hours(*e) for e in expected]


def test_intersect():
    first = [hours(9, 12), hours(14, 18)]
    second = [hours(11, 15), hours(17, 20), hours(8, 8.5)]
    assert intersect(first, second) == [hours(11, 12), hours(14, 15), hours(17, 18)]
    assert intersect(first, []) == []


minute_spans = st.tuples(st.integers(0, 60), st.integers(1, 20)).map(
    lambda pair: (pair[0], pair[0] + pair[1]))


def _minutes(spans) -> set[int]:
    return {minute for start, end in spans for minute in range(start, end)}


def _as_minutes(intervals) -> set[int]:
    minute = timedelta(minutes=1)
    return _minutes(((i.start - BASE) // minute, (i.end - BASE) // minute) for i in intervals)


def _interval(span) -> Interval:
    return Interval(BASE + timedelta(minutes=span[0]), BASE + timedelta(minutes=span[1]))


@settings(max_examples=100, deadline=None)
@given(st.lists(minute_spans, max_size=6), st.lists(minute_spans, max_size=6), minute_spans)
def test_set_operations_agree_with_sets_of_minutes(first, second, base):
    merged = merge(map(_interval, first))
    assert _as_minutes(merged) == _minutes(first)
    assert all(a.end < b.start for a, b in zip(merged, merged[1:]))  # disjoint, not touching
    assert _as_minutes(intersect(map(_interval, first), map(_interval, second))) == (
        _minutes(first) & _minutes(second))
    assert _as_minutes(subtract(_interval(base), map(_interval, first))) == (
        _minutes([base]) - _minutes(first))
