"""Why a booking does not fit: stable codes the web layer turns into sentences."""

from __future__ import annotations

from dataclasses import dataclass

from booking.scheduling.intervals import Interval

CONFLICT = "conflict"  # other bookings leave too few places (with capacity 1: an overlap)
CAPACITY_EXCEEDED = "quantity_above_capacity"  # more places asked for than the resource has
OUTSIDE_AVAILABILITY = "outside_availability"
CLOSED = "closed"
TOO_SHORT = "too_short"
TOO_LONG = "too_long"
TOO_SOON = "too_soon"  # less notice than required, or in the past
TOO_FAR_AHEAD = "too_far_ahead"
OFF_SLOT_GRID = "off_slot_grid"  # not starting on a slot boundary, or not whole slots long
INVALID_QUANTITY = "invalid_quantity"  # fewer than one place
QUOTA = "quota"  # beyond the hours the booker's organisation may hold (issue 13)
TOO_MANY_REQUESTS = "too_many_requests"  # the organisation's requests already waiting

REASON_CODES = (CONFLICT, CAPACITY_EXCEEDED, OUTSIDE_AVAILABILITY, CLOSED, TOO_SHORT, TOO_LONG,
                TOO_SOON, TOO_FAR_AHEAD, OFF_SLOT_GRID, INVALID_QUANTITY, QUOTA,
                TOO_MANY_REQUESTS)


@dataclass(frozen=True, slots=True)
class Clash:
    """A booking that stands in the way, as the person refused may know it."""

    booking_id: int | None  # None: a booking whose details the person may not see
    period: Interval  # the booking's own times, without the buffers around it
    mine: bool = False  # the refused person's own booking
    pending: bool = False  # still awaiting approval


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule a requested booking breaks, with the facts needed to explain it.

    `limit` is the number the rule is about, in the rule's own unit: minutes for
    TOO_SHORT, TOO_LONG, TOO_SOON and OFF_SLOT_GRID, days for TOO_FAR_AHEAD, places
    for CAPACITY_EXCEEDED (the capacity) and CONFLICT (the fewest places left); for QUOTA
    the minutes (place-minutes) still left, `detail` the quota's period ("week", "month",
    "term") and `intervals` that period, whose end is when the quota frees up; for
    TOO_MANY_REQUESTS the requests one organisation may have waiting.
    """

    code: str
    intervals: tuple[Interval, ...] = ()  # the clashing, closed or unavailable times
    booking_ids: tuple[int, ...] = ()  # the bookings that clash
    limit: int | None = None
    detail: str = ""  # the closure's reason, as its owner wrote it
    # The clashing bookings as the refused person may know them (services.clashes fills
    # them in; the rules leave them empty).
    clashes: tuple[Clash, ...] = ()
