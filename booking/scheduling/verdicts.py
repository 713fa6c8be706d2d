"""Verdicts on wanted periods, and which existing bookings a change of the rules would break."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from booking.scheduling.intervals import Interval
from booking.scheduling.reasons import CLOSED, CONFLICT, Reason
from booking.scheduling.rules import BookingRules, check_booking
from booking.scheduling.usage import Occupancy, Usage


@dataclass
class Verdict:
    """Whether one wanted period may stand, why not, and what else would do.

    *alternatives*: free times of the same length nearby (other hours); *later_days*: the
    same wall-clock time on the next days; *elsewhere*: (resource id, name) of other
    resources of the same kind free at the very time; *places_left*: how many places are
    still free then, when only places are short.
    """

    period: Interval
    reasons: list[Reason] = field(default_factory=list)
    alternatives: list[Interval] = field(default_factory=list)
    later_days: list[Interval] = field(default_factory=list)
    elsewhere: list[tuple[int, str]] = field(default_factory=list)
    places_left: int | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def closed_only(self) -> bool:
        """Refused only because the resource is closed then (a holiday a series may skip)."""
        return bool(self.reasons) and all(r.code == CLOSED for r in self.reasons)


@dataclass(frozen=True)
class Breach:
    """A booking that new rules would not allow, and why."""

    booking_id: int
    period: Interval
    reasons: tuple[Reason, ...]


def breaches(rules: BookingRules, placed: Iterable[Occupancy],
             fixed: Iterable[Occupancy] = ()) -> list[Breach]:
    """The bookings (their own periods, with ids) that *rules* would not allow, in time order.

    Each booking must keep every rule but notice and horizon (those bind the moment of
    booking, which has passed); together, widened by the rules' buffers, and with *fixed*
    (spans that stay as they are: bookings under way), they must fit the capacity at every
    instant. Every placed booking taking part in an overfull instant is named.
    """
    placed = sorted(placed, key=lambda o: o.period)
    widened = [Occupancy(rules.occupied(o.period), o.quantity, o.booking_id) for o in placed]
    occupying = widened + list(fixed)
    found = []
    for booking, occupied in zip(placed, widened):
        reasons = check_booking(rules, booking.period, quantity=booking.quantity, occupying=(),
                                now=None)
        reasons += _overfull(rules, occupied, occupying)
        if reasons:
            found.append(Breach(booking.booking_id, booking.period, tuple(reasons)))
    return found


def _overfull(rules: BookingRules, mine: Occupancy, occupying: list[Occupancy]) -> list[Reason]:
    """The instants of *mine* at which all the bookings together take more than the capacity."""
    nearby = [o for o in occupying if o.period.overlaps(mine.period)]
    too_full = Usage.of(nearby, mine.period).over_capacity(0, rules.capacity)
    if not too_full:
        return []
    others = {o.booking_id for o in nearby if o.booking_id != mine.booking_id
              and any(o.period.overlaps(moment) for moment in too_full)}
    return [Reason(CONFLICT, intervals=tuple(too_full), booking_ids=tuple(sorted(others)),
                   limit=0)]
