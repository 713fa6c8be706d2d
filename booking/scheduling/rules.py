"""A resource's booking rules, and checking a requested booking against them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.scheduling.availability import (
    WeeklyWindow, is_on_grid, local_days, window_periods, zone_named,
)
from booking.scheduling.intervals import Interval, intersect, require_aware, subtract
from booking.scheduling.reasons import (
    CAPACITY_EXCEEDED, CLOSED, CONFLICT, INVALID_QUANTITY, OFF_SLOT_GRID, OUTSIDE_AVAILABILITY,
    TOO_FAR_AHEAD, TOO_LONG, TOO_SHORT, TOO_SOON, Reason,
)
from booking.scheduling.usage import Occupancy, Usage

# The longest booking when a resource sets no maximum: long enough for a practice base
# placement (1 July to 31 August and more), short enough to bound range reads.
DEFAULT_MAX_MINUTES = 366 * 24 * 60


@dataclass(frozen=True, slots=True)
class Closure:
    """A stretch of time the resource cannot be booked: a holiday, maintenance."""

    period: Interval
    reason: str = ""  # shown to bookers as written


@dataclass(frozen=True)
class BookingRules:
    """Everything a resource demands of a booking, in its own time zone.

    Slots are counted in real time from the start of each window occurrence, or from
    local midnight when there are no windows; outside every window there is no grid.
    """

    timezone: str = "Asia/Shanghai"  # IANA name; windows are wall-clock times in this zone
    capacity: int = 1  # places that may be taken at any one instant
    windows: tuple[WeeklyWindow, ...] = ()  # none: available around the clock
    closures: tuple[Closure, ...] = ()
    slot_minutes: int | None = None  # bookings start on this grid and last whole slots
    min_minutes: int | None = None
    max_minutes: int | None = None  # none: DEFAULT_MAX_MINUTES
    notice_minutes: int = 0  # how long before its start a booking must be made
    horizon_days: int | None = None  # how far ahead of now a booking may start
    buffer_before_minutes: int = 0  # kept free before each booking (setting up)
    buffer_after_minutes: int = 0  # kept free after each booking (cleaning)

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "closures", tuple(self.closures))
        zone_named(self.timezone)
        _require_at_least(1, capacity=self.capacity, slot_minutes=self.slot_minutes,
                          min_minutes=self.min_minutes, max_minutes=self.max_minutes,
                          horizon_days=self.horizon_days)
        _require_at_least(0, notice_minutes=self.notice_minutes,
                          buffer_before_minutes=self.buffer_before_minutes,
                          buffer_after_minutes=self.buffer_after_minutes)
        if shortest_booking(self) > longest_booking(self):
            raise ValueError("no length satisfies slot_minutes, min_minutes and max_minutes")

    @property
    def zone(self) -> ZoneInfo:
        """The resource's time zone."""
        return zone_named(self.timezone)

    @property
    def slot(self) -> timedelta | None:
        """The slot length, for slot-based resources."""
        return None if self.slot_minutes is None else timedelta(minutes=self.slot_minutes)

    def occupied(self, period: Interval) -> Interval:
        """The span a booking for *period* takes from the resource, buffers included."""
        return period.widened(timedelta(minutes=self.buffer_before_minutes),
                              timedelta(minutes=self.buffer_after_minutes))


def _require_at_least(minimum: int, **settings: int | None) -> None:
    for name, value in settings.items():
        if value is not None and value < minimum:
            raise ValueError(f"{name} must be at least {minimum}, got {value}")


def shortest_booking(rules: BookingRules) -> timedelta:
    """The shortest length the rules allow (zero when any length will do)."""
    shortest = timedelta(minutes=rules.min_minutes or 0)
    if rules.slot is not None:
        whole_slots = max(1, -(-shortest // rules.slot))
        shortest = rules.slot * whole_slots
    return shortest


def longest_booking(rules: BookingRules) -> timedelta:
    """The longest length the rules allow."""
    return timedelta(minutes=rules.max_minutes or DEFAULT_MAX_MINUTES)


def max_booking_length(rules: BookingRules) -> timedelta:
    """The longest span one booking can occupy, buffers included: it bounds range reads."""
    return longest_booking(rules) + timedelta(
        minutes=rules.buffer_before_minutes + rules.buffer_after_minutes)


def is_whole_slots(rules: BookingRules, length: timedelta) -> bool:
    """Whether *length* is a whole number of slots (always true without slots)."""
    return rules.slot is None or length % rules.slot == timedelta(0)


def grid_anchors(rules: BookingRules, span: Interval) -> list[Interval]:
    """The stretches booking starts are counted from: window occurrences, else local days."""
    if rules.windows:
        return window_periods(rules.windows, rules.zone, span)
    return local_days(span, rules.zone)


def available_periods(rules: BookingRules, span: Interval) -> list[Interval]:
    """Return the open times inside *span* (windows minus closures), sorted, in UTC."""
    opening = window_periods(rules.windows, rules.zone, span) if rules.windows else [span]
    closed = [closure.period for closure in rules.closures]
    return [part for open_ in intersect(opening, [span]) for part in subtract(open_, closed)]


def places_left(rules: BookingRules, span: Interval, occupying: Iterable[Occupancy]) -> int:
    """The places still free at the busiest instant of *span*."""
    usage = Usage.of(occupying, span)
    return max(rules.capacity - usage.peak(span), 0)


def check_booking(rules: BookingRules, period: Interval, *, quantity: int = 1,
                  occupying: Iterable[Occupancy], now: datetime | None) -> list[Reason]:
    """Return every reason why *period* cannot be booked; an empty list means it fits.

    *occupying* holds the resource's pending and confirmed bookings, without the one
    being changed, if any; those away from the requested period are ignored. Notice and
    horizon are judged against *now*; with None they are not judged at all (they are the
    booker's duties, judged once when the time was asked for).
    """
    reasons = size_reasons(rules, period.duration, quantity)
    reasons += _slot_reasons(rules, period)
    if now is not None:
        reasons += _timing_reasons(rules, period.start, require_aware(now, "now"))
    reasons += _availability_reasons(rules, period)
    if 1 <= quantity <= rules.capacity:  # otherwise no other bookings matter
        reasons += _conflict_reasons(rules, period, quantity, occupying)
    return reasons


def size_reasons(rules: BookingRules, length: timedelta, quantity: int) -> list[Reason]:
    """The reasons that depend only on how long and how many, not on when."""
    reasons = []
    if quantity < 1:
        reasons.append(Reason(INVALID_QUANTITY, limit=1))
    elif quantity > rules.capacity:
        reasons.append(Reason(CAPACITY_EXCEEDED, limit=rules.capacity))
    if rules.min_minutes is not None and length < timedelta(minutes=rules.min_minutes):
        reasons.append(Reason(TOO_SHORT, limit=rules.min_minutes))
    if length > longest_booking(rules):
        reasons.append(Reason(TOO_LONG, limit=rules.max_minutes or DEFAULT_MAX_MINUTES))
    return reasons


def _slot_reasons(rules: BookingRules, period: Interval) -> list[Reason]:
    if rules.slot is None:
        return []
    # Outside every window there is no grid to be off: OUTSIDE_AVAILABILITY says it all.
    holding = [anchor for anchor in grid_anchors(rules, period)
               if anchor.start <= period.start < anchor.end]
    off_grid = bool(holding) and not is_on_grid(period.start, holding, rules.slot)
    if off_grid or not is_whole_slots(rules, period.duration):
        return [Reason(OFF_SLOT_GRID, limit=rules.slot_minutes)]
    return []


def earliest_start(rules: BookingRules, now: datetime) -> datetime:
    """The earliest a booking made at *now* may start: the notice period from now."""
    return now + timedelta(minutes=rules.notice_minutes)


def latest_start(rules: BookingRules, now: datetime) -> datetime | None:
    """The latest a booking made at *now* may start (None: no horizon)."""
    return None if rules.horizon_days is None else now + timedelta(days=rules.horizon_days)


def _timing_reasons(rules: BookingRules, start: datetime, now: datetime) -> list[Reason]:
    reasons = []
    if start < earliest_start(rules, now):
        reasons.append(Reason(TOO_SOON, limit=rules.notice_minutes))
    if (latest := latest_start(rules, now)) is not None and start > latest:
        reasons.append(Reason(TOO_FAR_AHEAD, limit=rules.horizon_days))
    return reasons


def _availability_reasons(rules: BookingRules, period: Interval) -> list[Reason]:
    reasons = []
    if rules.windows:
        if outside := subtract(period, window_periods(rules.windows, rules.zone, period)):
            reasons.append(Reason(OUTSIDE_AVAILABILITY, intervals=tuple(outside)))
    for closure in rules.closures:
        if closed := closure.period.intersection(period):
            reasons.append(Reason(CLOSED, intervals=(closed,), detail=closure.reason))
    return reasons


def _conflict_reasons(rules: BookingRules, period: Interval, quantity: int,
                      occupying: Iterable[Occupancy]) -> list[Reason]:
    occupied = rules.occupied(period)
    nearby = [occupancy for occupancy in occupying if occupancy.period.overlaps(occupied)]
    usage = Usage.of(nearby, occupied)
    if not (too_full := usage.over_capacity(quantity, rules.capacity)):
        return []
    clashing = {occupancy.booking_id for occupancy in nearby
                if occupancy.booking_id is not None
                and any(occupancy.period.overlaps(moment) for moment in too_full)}
    return [Reason(CONFLICT, intervals=tuple(too_full), booking_ids=tuple(sorted(clashing)),
                   limit=max(rules.capacity - usage.peak(occupied), 0))]
