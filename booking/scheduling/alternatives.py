"""Finding free time: alternatives to a refused request, free slots, free stretches."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.scheduling.availability import at_local, grid_starts
from booking.scheduling.intervals import Interval, intersect, require_aware
from booking.scheduling.rules import (
    BookingRules, available_periods, check_booking, earliest_start, grid_anchors, is_whole_slots,
    latest_start, places_left, shortest_booking, size_reasons,
)
from booking.scheduling.usage import Occupancy, Usage

# Where a resource has no slots, alternatives start on this grid, counted from each
# window's start or from local midnight: on the quarter hours, for usual windows.
DEFAULT_STEP = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Slot:
    """A free period and the places still free in it."""

    period: Interval
    places_left: int


def find_alternatives(rules: BookingRules, period: Interval, *, quantity: int = 1,
                      occupying: Iterable[Occupancy], now: datetime, before: int = 2,
                      after: int = 3, search_days: int = 14) -> list[Interval]:
    """Return the free periods as long as *period* that start nearest to it, sorted.

    Up to *before* start earlier and up to *after* later, each within *search_days*.
    They start on the slot grid, or every 15 minutes from each window's start (from
    local midnight when there are no windows), and check_booking accepts every one.
    """
    require_aware(now, "now")
    length = period.duration
    if size_reasons(rules, length, quantity) or not is_whole_slots(rules, length):
        return []  # nothing of this length and quantity would ever fit
    reach = timedelta(days=search_days)
    search = Interval(period.start - reach, period.start + reach + length)
    room = _Room.build(rules, search, occupying, quantity, now)
    starts = grid_starts(grid_anchors(rules, search), rules.slot or DEFAULT_STEP, search)
    candidates = (Interval(start, start + length) for start in starts
                  if start != period.start and start <= period.start + reach)
    free = [candidate for candidate in candidates if room.fits(candidate)]
    earlier = [candidate for candidate in free if candidate.start < period.start]
    later = [candidate for candidate in free if candidate.start > period.start]
    return earlier[max(len(earlier) - before, 0):] + later[:after]


def same_time_later(rules: BookingRules, period: Interval, *, quantity: int = 1,
                    occupying: Iterable[Occupancy], now: datetime, days: int = 3,
                    search_days: int = 14) -> list[Interval]:
    """Return the same wall-clock time on the following days where it can be booked.

    Up to *days* of them, within *search_days* after the refused date; the clock is the
    resource's, so the time stays put across a daylight-saving change (at_local).
    """
    require_aware(now, "now")
    if size_reasons(rules, period.duration, quantity):
        return []
    occupying = list(occupying)
    start, end = period.start.astimezone(rules.zone), period.end.astimezone(rules.zone)
    found = []
    for offset in range(1, search_days + 1):
        step = timedelta(days=offset)
        moved = (at_local(start.date() + step, start.time(), rules.zone),
                 at_local(end.date() + step, end.time(), rules.zone))
        if moved[0] >= moved[1]:
            continue  # a daylight-saving gap swallowed it
        candidate = Interval(*moved)
        if not check_booking(rules, candidate, quantity=quantity, occupying=occupying, now=now):
            found.append(candidate)
            if len(found) == days:
                break
    return found


def fewer_places(rules: BookingRules, period: Interval, *, quantity: int,
                 occupying: Iterable[Occupancy], now: datetime | None) -> int | None:
    """When only places are short, how many can still be booked for *period* ("4 left")."""
    if not 1 < quantity <= rules.capacity:
        return None
    occupying = list(occupying)
    occupied = rules.occupied(period)
    left = places_left(rules, occupied, [o for o in occupying if o.period.overlaps(occupied)])
    if not 0 < left < quantity:
        return None
    fits = not check_booking(rules, period, quantity=left, occupying=occupying, now=now)
    return left if fits else None


def free_slots(rules: BookingRules, span: Interval, *, occupying: Iterable[Occupancy],
               now: datetime, quantity: int = 1) -> list[Slot]:
    """Return the bookable slots inside *span*, with the places left in each.

    A slot is the shortest booking the rules allow, starting on the slot grid: one slot
    long, or as many slots as min_minutes needs. Resources without slots get their free
    stretches from free_intervals instead.
    """
    if rules.slot is None:
        return free_intervals(rules, span, occupying=occupying, now=now, quantity=quantity)
    length = shortest_booking(rules)
    if size_reasons(rules, length, quantity):
        return []
    room = _Room.build(rules, span, occupying, quantity, now)
    starts = grid_starts(grid_anchors(rules, span), rules.slot, span)
    candidates = (Interval(start, start + length) for start in starts)
    return [Slot(slot, room.places_left(slot)) for slot in candidates if room.fits(slot)]


def free_intervals(rules: BookingRules, span: Interval, *, occupying: Iterable[Occupancy],
                   now: datetime, quantity: int = 1) -> list[Slot]:
    """Return the maximal stretches of *span* where *quantity* more places can be booked.

    Stretches keep to availability, closures, notice and buffers; those starting beyond
    the horizon, or too short for the shortest booking allowed, are left out. Each
    carries the fewest places free anywhere in it.
    """
    if not 1 <= quantity <= rules.capacity:
        return []
    room = _Room.build(rules, span, occupying, quantity, now)
    shortest = shortest_booking(rules)
    return [Slot(stretch, room.places_left(stretch)) for stretch in room.stretches
            if stretch.duration >= shortest and room.may_start_at(stretch.start)]


@dataclass(frozen=True, slots=True)
class _Room:
    """Where a booking of one quantity may lie inside a search span, whatever its length.

    The buffers are folded in by shrinking each stretch of spare capacity, so a booking
    fits exactly when its period lies inside one of the stretches and it starts before
    the horizon. Length and slot rules are the caller's business.
    """

    rules: BookingRules
    usage: Usage
    stretches: tuple[Interval, ...]
    latest_start: datetime | None

    @classmethod
    def build(cls, rules: BookingRules, span: Interval, occupying: Iterable[Occupancy],
              quantity: int, now: datetime) -> _Room:
        """Work out the room inside *span* for bookings of *quantity* places."""
        require_aware(now, "now")
        occupied = rules.occupied(span)
        usage = Usage.of((o for o in occupying if o.period.overlaps(occupied)), occupied)
        spare = [part for stretch in usage.room_for(quantity, rules.capacity)
                 if (part := _shrink(rules, stretch))]
        earliest = earliest_start(rules, now)
        open_ = [part for stretch in available_periods(rules, span)
                 if (part := _not_before(stretch, earliest))]
        return cls(rules, usage, tuple(intersect(open_, spare)), latest_start(rules, now))

    def may_start_at(self, moment: datetime) -> bool:
        """Whether the horizon lets a booking start at *moment*."""
        return self.latest_start is None or moment <= self.latest_start

    def fits(self, period: Interval) -> bool:
        """Whether a booking for *period* fits (its length and slot rules aside)."""
        index = bisect_right(self.stretches, period.start, key=_start) - 1
        return (index >= 0 and self.stretches[index].contains(period)
                and self.may_start_at(period.start))

    def places_left(self, period: Interval) -> int:
        """The places free at the busiest instant a booking for *period* would occupy."""
        return self.rules.capacity - self.usage.peak(self.rules.occupied(period))


def _shrink(rules: BookingRules, spare: Interval) -> Interval | None:
    """The part of *spare* where a booking may lie and still keep its buffers inside it."""
    start = spare.start + timedelta(minutes=rules.buffer_before_minutes)
    end = spare.end - timedelta(minutes=rules.buffer_after_minutes)
    return Interval(start, end) if start < end else None


def _not_before(interval: Interval, moment: datetime) -> Interval | None:
    """The part of *interval* from *moment* on, if any."""
    if interval.end <= moment:
        return None
    return Interval(max(interval.start, moment), interval.end)


def _start(interval: Interval) -> datetime:
    return interval.start
