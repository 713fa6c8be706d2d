"""Alternatives, free slots and free stretches, checked against check_booking by brute force."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from booking.scheduling import (
    BookingRules, Closure, Interval, Occupancy, Slot, WeeklyWindow, check_booking,
    find_alternatives, free_intervals, free_slots, places_left,
)

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = 2
ONE_MINUTE = timedelta(minutes=1)
NO_TIME = timedelta(0)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai in May 2027 (3 May 2027 is a Monday)."""
    return datetime(2027, 5, day, hour, minute, tzinfo=SHANGHAI)


def period(day: int, start: tuple[int, int], end: tuple[int, int]) -> Interval:
    return Interval(local(day, *start), local(day, *end))


LAB = BookingRules(windows=tuple(WeeklyWindow(day, time(9), time(17)) for day in range(5)))


def test_alternatives_around_a_clash():
    taken = [Occupancy(period(4, (10, 0), (12, 0)), booking_id=1)]
    wanted = period(4, (10, 0), (11, 0))
    found = find_alternatives(LAB, wanted, occupying=taken, now=local(2, 12))
    assert found == [period(3, (16, 0), (17, 0)), period(4, (9, 0), (10, 0)),
                     period(4, (12, 0), (13, 0)), period(4, (12, 15), (13, 15)),
                     period(4, (12, 30), (13, 30))]


def test_alternatives_respect_notice_and_the_search_range():
    taken = [Occupancy(period(4, (9, 0), (17, 0)), booking_id=1)]
    wanted = period(4, (10, 0), (11, 0))
    found = find_alternatives(LAB, wanted, occupying=taken, now=local(4, 8), search_days=1)
    assert found == [period(5, (9, 0), (10, 0)), period(5, (9, 15), (10, 15)),
                     period(5, (9, 30), (10, 30))]


def test_no_alternatives_for_a_length_nothing_allows():
    rules = BookingRules(max_minutes=60)
    wanted = period(4, (10, 0), (12, 0))
    assert find_alternatives(rules, wanted, occupying=[], now=local(1, 0)) == []


MENTOR_WEEK = Interval(local(3, 0), local(10, 0))


def mentor(capacity: int = 1) -> BookingRules:
    """An engineer's 30-minute mentor slots on Wednesday afternoons."""
    return BookingRules(capacity=capacity, slot_minutes=30,
                        windows=(WeeklyWindow(WEDNESDAY, time(14), time(17)),))


def test_free_slots_of_a_mentor():
    taken = [Occupancy(period(5, (15, 0), (15, 30)), booking_id=1)]
    slots = free_slots(mentor(), MENTOR_WEEK, occupying=taken, now=local(1, 0))
    assert slots == [Slot(period(5, start, end), 1) for start, end in [
        ((14, 0), (14, 30)), ((14, 30), (15, 0)), ((15, 30), (16, 0)), ((16, 0), (16, 30)),
        ((16, 30), (17, 0))]]


def test_free_slots_count_places():
    taken = [Occupancy(period(5, (15, 0), (15, 30)), 2, booking_id=1)]
    rules = mentor(capacity=3)
    slots = free_slots(rules, MENTOR_WEEK, occupying=taken, now=local(1, 0))
    places = [(slot.period.start.astimezone(SHANGHAI).time(), slot.places_left) for slot in slots]
    assert places == [
        (time(14), 3), (time(14, 30), 3), (time(15), 1), (time(15, 30), 3), (time(16), 3),
        (time(16, 30), 3)]
    pairs = free_slots(rules, MENTOR_WEEK, occupying=taken, now=local(1, 0), quantity=2)
    assert time(15) not in [slot.period.start.astimezone(SHANGHAI).time() for slot in pairs]
    assert len(pairs) == 5


def test_free_slots_start_after_the_notice():
    slots = free_slots(mentor(), MENTOR_WEEK, occupying=[], now=local(5, 14, 10))
    assert [slot.period.start for slot in slots][0] == local(5, 14, 30)


def test_free_intervals_of_a_lab_with_cleaning_time():
    rules = BookingRules(capacity=2, buffer_after_minutes=15, windows=LAB.windows)
    taken = [Occupancy(rules.occupied(period(4, (10, 0), (11, 0))), 2, booking_id=1),
             Occupancy(rules.occupied(period(4, (13, 0), (14, 0))), 1, booking_id=2)]
    tuesday = period(4, (0, 0), (23, 0))
    found = free_intervals(rules, tuesday, occupying=taken, now=local(1, 0))
    # A booking must end 15 minutes before the next one starts, and start once the last is clean.
    assert found == [Slot(period(4, (9, 0), (9, 45)), 2), Slot(period(4, (11, 15), (17, 0)), 1)]
    assert free_slots(rules, tuesday, occupying=taken, now=local(1, 0)) == found


def test_free_intervals_leave_out_stretches_too_short_to_book():
    rules = BookingRules(min_minutes=60, windows=LAB.windows)
    taken = [Occupancy(period(4, (9, 30), (16, 30)))]
    assert free_intervals(rules, period(4, (0, 0), (23, 0)), occupying=taken, now=local(1, 0)) == []


# ---- Brute force: every alternative and every free slot against check_booking ----

DAYS = [date(2027, 3, 27), date(2027, 10, 30), date(2027, 5, 3)]  # the DST weekends and a Monday


@st.composite
def resources(draw):
    """Random rules, existing bookings and a request around a daylight-saving change."""
    zone = draw(st.sampled_from(["Europe/Berlin", "Asia/Shanghai"]))
    windows = draw(st.lists(st.builds(_window, st.integers(0, 6), st.integers(0, 44),
                                      st.integers(1, 8)), max_size=6))
    capacity = draw(st.integers(1, 3))
    day = datetime.combine(draw(st.sampled_from(DAYS)), time(), tzinfo=ZoneInfo(zone))
    closures = draw(st.lists(st.builds(lambda start, hours: Closure(_after(day, start, hours * 60)),
                                       st.integers(-2880, 4320), st.integers(1, 30)), max_size=1))
    rules = BookingRules(
        timezone=zone, capacity=capacity, windows=windows, closures=closures,
        slot_minutes=draw(st.sampled_from([None, None, 30, 45, 60])),
        min_minutes=draw(st.sampled_from([None, 30])),
        max_minutes=draw(st.sampled_from([None, 240])),
        notice_minutes=draw(st.sampled_from([0, 90])),
        horizon_days=draw(st.sampled_from([None, 2])),
        buffer_before_minutes=draw(st.sampled_from([0, 10])),
        buffer_after_minutes=draw(st.sampled_from([0, 15])))
    taken = draw(st.lists(st.builds(
        lambda start, length, quantity: Occupancy(_after(day, start, length), quantity),
        st.integers(-2880, 4320).map(lambda m: m - m % 5), st.integers(10, 300),
        st.integers(1, capacity)), max_size=8))
    wanted = _after(day, draw(st.integers(0, 96)) * 15, draw(st.sampled_from([30, 60, 90, 120])))
    now = day - timedelta(hours=draw(st.integers(-24, 48)))
    return rules, taken, wanted, now, draw(st.integers(1, capacity))


def _window(weekday: int, start_half_hours: int, length_half_hours: int) -> WeeklyWindow:
    start = start_half_hours * 30
    end = min(start + length_half_hours * 30, 23 * 60 + 59)
    return WeeklyWindow(weekday, time(*divmod(start, 60)), time(*divmod(end, 60)))


def _after(moment: datetime, minutes: int, length: int) -> Interval:
    start = moment.astimezone(UTC) + timedelta(minutes=minutes)
    return Interval(start, start + timedelta(minutes=length))


def grid(rules: BookingRules, first: datetime, last: datetime) -> list[datetime]:
    """Every allowed start between first and last: steps from each window start or midnight."""
    zone = ZoneInfo(rules.timezone)
    step = timedelta(minutes=rules.slot_minutes or 15)
    starts = set()
    day = first.astimezone(zone).date() - timedelta(days=1)
    while day <= last.astimezone(zone).date():
        if rules.windows:
            anchors = [(window.start, day, window.end, day) for window in rules.windows
                       if window.weekday == day.weekday()]
        else:
            anchors = [(time(), day, time(), day + timedelta(days=1))]
        for start_time, start_day, end_time, end_day in anchors:
            moment = datetime.combine(start_day, start_time, tzinfo=zone).astimezone(UTC)
            end = datetime.combine(end_day, end_time, tzinfo=zone).astimezone(UTC)
            while moment < end:
                starts.add(moment)
                moment += step
        day += timedelta(days=1)
    return sorted(start for start in starts if first <= start <= last)


@settings(max_examples=60, deadline=None)
@given(resources(), st.integers(0, 3), st.integers(0, 3))
def test_alternatives_are_the_nearest_times_that_fit(resource, before, after):
    rules, taken, wanted, now, quantity = resource
    reach = timedelta(days=2)

    found = find_alternatives(rules, wanted, quantity=quantity, occupying=taken, now=now,
                              before=before, after=after, search_days=2)

    length = wanted.duration
    free = [candidate for candidate in
            (Interval(start, start + length) for start in grid(rules, wanted.start - reach,
                                                                wanted.start + reach))
            if candidate.start != wanted.start
            and not check_booking(rules, candidate, quantity=quantity, occupying=taken, now=now)]
    earlier = [candidate for candidate in free if candidate.start < wanted.start]
    later = [candidate for candidate in free if candidate.start > wanted.start]
    assert found == earlier[::-1][:before][::-1] + later[:after]  # the nearest on each side
    assert all(alternative.duration == length for alternative in found)


@settings(max_examples=60, deadline=None)
@given(resources())
def test_free_slots_are_exactly_the_bookable_slots(resource):
    rules, taken, wanted, now, quantity = resource
    span = Interval(wanted.start - timedelta(days=1), wanted.start + timedelta(days=1))

    slots = free_slots(rules, span, occupying=taken, now=now, quantity=quantity)

    for slot in slots:
        assert slot.places_left == places_left(rules, rules.occupied(slot.period), taken)
        assert slot.places_left >= quantity
    if rules.slot_minutes is None:
        return  # free stretches, checked below
    whole_slots = max(1, -(-(rules.min_minutes or 0) // rules.slot_minutes))  # rounded up
    length = timedelta(minutes=rules.slot_minutes) * whole_slots
    candidates = (Interval(start, start + length) for start in grid(rules, span.start, span.end))
    bookable = [slot for slot in candidates if span.contains(slot)
                and not check_booking(rules, slot, quantity=quantity, occupying=taken, now=now)]
    assert [slot.period for slot in slots] == bookable


@settings(max_examples=60, deadline=None)
@given(resources())
def test_free_intervals_are_maximal_bookable_stretches(resource):
    rules, taken, wanted, now, quantity = resource
    rules = replace(rules, slot_minutes=None, max_minutes=None)
    span = Interval(wanted.start - timedelta(days=1), wanted.start + timedelta(days=1))

    stretches = free_intervals(rules, span, occupying=taken, now=now, quantity=quantity)

    assert [s.period for s in stretches] == sorted(s.period for s in stretches)
    for stretch in stretches:
        whole = stretch.period
        assert check_booking(rules, whole, quantity=quantity, occupying=taken, now=now) == []
        assert stretch.places_left == places_left(rules, rules.occupied(whole), taken)
        for wider in [whole.widened(ONE_MINUTE, NO_TIME), whole.widened(NO_TIME, ONE_MINUTE)]:
            if span.contains(wider):
                assert check_booking(rules, wider, quantity=quantity, occupying=taken, now=now)
