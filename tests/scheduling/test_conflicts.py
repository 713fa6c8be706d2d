"""Capacity and conflicts, checked against a brute-force count of places minute by minute."""

from datetime import datetime, timedelta, timezone

from hypothesis import example, given, settings, strategies as st

from booking.scheduling import (
    CAPACITY_EXCEEDED, CONFLICT, BookingRules, Interval, Occupancy, Reason, check_booking,
    places_left,
)

UTC = timezone.utc
BASE = datetime(2027, 5, 3, tzinfo=UTC)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def minutes(start: int, end: int) -> Interval:
    """The interval from *start* to *end* minutes after BASE."""
    return Interval(BASE + timedelta(minutes=start), BASE + timedelta(minutes=end))


# Mostly on the quarter hours so that touching bookings are common; sometimes anywhere.
starts = st.one_of(st.integers(0, 16).map(lambda k: 15 * k), st.integers(0, 240))
lengths = st.one_of(st.sampled_from([15, 30, 45, 60, 90]), st.integers(1, 120))


@st.composite
def scenarios(draw):
    """A resource's capacity and buffers, its existing bookings, and a request."""
    capacity = draw(st.integers(1, 4))
    before = draw(st.sampled_from([0, 0, 5, 15, 30]))
    after = draw(st.sampled_from([0, 0, 10, 15]))
    bookings = draw(st.lists(st.tuples(starts, lengths, st.integers(1, capacity)), max_size=8))
    request = (draw(starts), draw(lengths))
    quantity = draw(st.integers(1, capacity + 1))
    return capacity, (before, after), bookings, request, quantity


def occupancies_for(bookings, buffers) -> list[Occupancy]:
    """The occupancies the app would store: each booking widened by the buffers."""
    before, after = buffers
    return [Occupancy(minutes(start - before, start + length + after), quantity, booking_id)
            for booking_id, (start, length, quantity) in enumerate(bookings, start=1)]


def oracle(capacity, buffers, bookings, request, quantity):
    """Count places minute by minute: (too-full minute runs, clashing ids, fewest places left)."""
    before, after = buffers
    taken = [(start - before, start + length + after, q, booking_id)
             for booking_id, (start, length, q) in enumerate(bookings, start=1)]
    wanted = range(request[0] - before, request[0] + request[1] + after)
    used = {minute: sum(q for s, e, q, _ in taken if s <= minute < e) for minute in wanted}
    too_full = [minute for minute in wanted if used[minute] + quantity > capacity]
    ids = sorted({booking_id for s, e, _, booking_id in taken
                  if any(s <= minute < e for minute in too_full)})
    return _runs(too_full), ids, max(capacity - max(used.values()), 0)


def _runs(sorted_minutes: list[int]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for minute in sorted_minutes:
        if runs and runs[-1][1] == minute:
            runs[-1][1] = minute + 1
        else:
            runs.append([minute, minute + 1])
    return [(start, end) for start, end in runs]


@settings(max_examples=200, deadline=None)
@given(scenarios())
@example((1, (0, 0), [(60, 60, 1)], (120, 60), 1))  # touching after: fits
@example((1, (0, 0), [(60, 60, 1)], (0, 60), 1))  # touching before: fits
@example((1, (0, 15), [(60, 60, 1)], (120, 60), 1))  # the cleaning buffer makes it clash
@example((2, (0, 0), [(0, 60, 1), (30, 60, 1)], (45, 30), 1))
def test_conflicts_agree_with_minute_by_minute_count(scenario):
    capacity, buffers, bookings, request, quantity = scenario
    rules = BookingRules(capacity=capacity, buffer_before_minutes=buffers[0],
                         buffer_after_minutes=buffers[1])
    occupying = occupancies_for(bookings, buffers)
    period = minutes(request[0], request[0] + request[1])

    reasons = check_booking(rules, period, quantity=quantity, occupying=occupying, now=LONG_AGO)

    too_full, ids, fewest_left = oracle(capacity, buffers, bookings, request, quantity)
    if quantity > capacity:
        assert reasons == [Reason(CAPACITY_EXCEEDED, limit=capacity)]
    elif too_full:
        assert reasons == [Reason(CONFLICT, intervals=tuple(minutes(*run) for run in too_full),
                                  booking_ids=tuple(ids), limit=fewest_left)]
    else:
        assert reasons == []
    assert places_left(rules, rules.occupied(period), occupying) == fewest_left


def test_touching_bookings_do_not_clash():
    rules = BookingRules()
    taken = [Occupancy(minutes(600, 660), booking_id=7)]
    assert check_booking(rules, minutes(660, 720), occupying=taken, now=LONG_AGO) == []
    assert check_booking(rules, minutes(540, 600), occupying=taken, now=LONG_AGO) == []


def test_cleaning_buffer_keeps_the_next_booking_away():
    rules = BookingRules(buffer_after_minutes=15)
    taken = [Occupancy(rules.occupied(minutes(600, 660)), booking_id=7)]  # occupies to 11:15
    assert check_booking(rules, minutes(675, 735), occupying=taken, now=LONG_AGO) == []
    [reason] = check_booking(rules, minutes(660, 720), occupying=taken, now=LONG_AGO)
    assert reason == Reason(CONFLICT, intervals=(minutes(660, 675),), booking_ids=(7,), limit=0)


def test_places_are_counted_for_internship_places():
    # 20 places; two schools hold 12 and 6 of them over the summer.
    summer = Interval(datetime(2027, 7, 1, tzinfo=UTC), datetime(2027, 9, 1, tzinfo=UTC))
    rules = BookingRules(capacity=20)
    taken = [Occupancy(summer, 12, 1), Occupancy(summer, 6, 2)]
    assert places_left(rules, summer, taken) == 2
    assert check_booking(rules, summer, quantity=2, occupying=taken, now=LONG_AGO) == []
    [reason] = check_booking(rules, summer, quantity=3, occupying=taken, now=LONG_AGO)
    assert (reason.code, reason.limit, reason.booking_ids) == (CONFLICT, 2, (1, 2))


def test_bookings_without_ids_still_count():
    taken = [Occupancy(minutes(0, 60))]
    [reason] = check_booking(BookingRules(), minutes(30, 90), occupying=taken, now=LONG_AGO)
    assert reason == Reason(CONFLICT, intervals=(minutes(30, 60),), limit=0)
