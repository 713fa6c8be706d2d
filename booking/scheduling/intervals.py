"""Half-open time intervals on the real (UTC) timeline, and set operations on them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


def require_aware(moment: datetime, name: str = "datetime") -> datetime:
    """Return *moment* unchanged, or raise ValueError if it has no time zone."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open span of time [start, end): it contains start but not end.

    Both ends are converted to UTC on creation. Arithmetic and comparison between
    datetimes that share a ZoneInfo use wall-clock time, which is wrong across a
    daylight-saving change; in UTC they are always real time.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        # Most ends are already UTC datetimes (from the database, or from other intervals):
        # those are kept as they are, which is what converting them would give.
        start, end = self.start, self.end
        if start.__class__ is not datetime or start.tzinfo is not timezone.utc:
            object.__setattr__(self, "start", _utc(start, "start"))
        if end.__class__ is not datetime or end.tzinfo is not timezone.utc:
            object.__setattr__(self, "end", _utc(end, "end"))
        if not self.start < self.end:
            raise ValueError(f"an interval must end after it starts: {self.start} -> {self.end}")

    @property
    def duration(self) -> timedelta:
        """How much real time the interval spans."""
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """Whether the two share an instant; 10:00-11:00 and 11:00-12:00 do not."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        """Whether *other* lies wholly inside this interval."""
        return self.start <= other.start and other.end <= self.end

    def intersection(self, other: Interval) -> Interval | None:
        """The part both intervals share, or None when they do not overlap."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.start, other.start), min(self.end, other.end))

    def widened(self, before: timedelta, after: timedelta) -> Interval:
        """This interval with *before* added in front and *after* added behind."""
        return Interval(self.start - before, self.end + after)


def _utc(moment: datetime, name: str) -> datetime:
    return require_aware(moment, name).astimezone(timezone.utc)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the union of *intervals*, sorted, with overlapping or touching ones joined."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(base: Interval, holes: Iterable[Interval]) -> list[Interval]:
    """Return the parts of *base* that none of *holes* covers, sorted."""
    remaining: list[Interval] = []
    cursor = base.start
    for hole in merge(holes):
        if hole.end <= cursor or hole.start >= base.end:
            continue
        if hole.start > cursor:
            remaining.append(Interval(cursor, hole.start))
        cursor = max(cursor, hole.end)
    if cursor < base.end:
        remaining.append(Interval(cursor, base.end))
    return remaining


def intersect(first: Iterable[Interval], second: Iterable[Interval]) -> list[Interval]:
    """Return the times covered by both collections, as sorted disjoint intervals."""
    lefts, rights = merge(first), merge(second)
    shared: list[Interval] = []
    i = j = 0
    while i < len(lefts) and j < len(rights):
        if part := lefts[i].intersection(rights[j]):
            shared.append(part)
        # Drop whichever ends first: it cannot overlap anything later in the other list.
        if lefts[i].end <= rights[j].end:
            i += 1
        else:
            j += 1
    return shared
