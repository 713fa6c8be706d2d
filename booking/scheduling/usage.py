"""How many places existing bookings take from a resource, moment by moment."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice, pairwise
from typing import NamedTuple

from booking.scheduling.intervals import Interval, merge


@dataclass(frozen=True, slots=True)
class Occupancy:
    """An existing pending or confirmed booking, as it occupies its resource."""

    period: Interval  # already widened by the buffers: the span the caller stored
    quantity: int = 1
    booking_id: int | None = None

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError(f"an occupancy takes at least one place, got {self.quantity}")


class Piece(NamedTuple):
    """A stretch of time during which the same number of places is in use."""

    period: Interval
    used: int


@dataclass(frozen=True, slots=True)
class Usage:
    """The places in use over one span, as consecutive pieces of constant use."""

    span: Interval
    pieces: tuple[Piece, ...]

    @classmethod
    def of(cls, occupying: Iterable[Occupancy], span: Interval) -> Usage:
        """Add up the quantities of *occupying* over *span*."""
        # Each booking adds its places where it starts and gives them back where it ends.
        change: Counter[datetime] = Counter()
        for occupancy in occupying:
            if part := occupancy.period.intersection(span):
                change[part.start] += occupancy.quantity
                change[part.end] -= occupancy.quantity
        used = 0
        pieces = []
        for start, end in pairwise(sorted({span.start, span.end, *change})):
            used += change[start]
            pieces.append(Piece(Interval(start, end), used))
        return cls(span, tuple(pieces))

    def peak(self, period: Interval) -> int:
        """The most places in use at any instant of *period* (which lies inside the span)."""
        first = max(bisect_right(self.pieces, period.start, key=_piece_start) - 1, 0)
        peak = 0
        for piece in islice(self.pieces, first, None):
            if piece.period.start >= period.end:
                break
            if piece.period.overlaps(period):
                peak = max(peak, piece.used)
        return peak

    def room_for(self, quantity: int, capacity: int) -> list[Interval]:
        """Return the maximal stretches where *quantity* more places still fit."""
        return merge(piece.period for piece in self.pieces if piece.used + quantity <= capacity)

    def over_capacity(self, quantity: int, capacity: int) -> list[Interval]:
        """Return the stretches where *quantity* more places would exceed *capacity*."""
        return merge(piece.period for piece in self.pieces if piece.used + quantity > capacity)


def _piece_start(piece: Piece) -> datetime:
    return piece.period.start
