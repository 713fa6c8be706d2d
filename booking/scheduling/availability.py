"""Weekly opening hours and time grids, laid out on the real timeline of a time zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from booking.scheduling.intervals import Interval

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Opening hours on one weekday, in the resource's local wall-clock time."""

    weekday: int  # 0 = Monday ... 6 = Sunday
    start: time
    end: time  # later on the same day: a window cannot run past midnight

    def __post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("window times are local wall-clock times and carry no zone")
        if not self.start < self.end:
            raise ValueError(f"a window must end after it starts: {self.start} -> {self.end}")


def zone_named(name: str) -> ZoneInfo:
    """Return the IANA time zone *name*, or raise ValueError if there is none such."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError) as error:  # unknown, malformed, or a folder
        raise ValueError(f"unknown time zone: {name!r}") from error


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which the wall clock in *zone* shows *clock* on *day*.

    A time skipped by a spring-forward change is read with the offset in force before
    it (fold=0), which moves it on by the gap: 02:30 becomes 03:30. A time repeated in
    autumn means its first occurrence.
    """
    local = datetime.combine(day, clock.replace(fold=0), tzinfo=zone)
    return local.astimezone(timezone.utc)


def local_dates(span: Interval, zone: ZoneInfo) -> Iterator[date]:
    """Yield each local calendar date in *zone* that *span* touches."""
    day = span.start.astimezone(zone).date()
    last = span.end.astimezone(zone).date()
    while day <= last:
        yield day
        day += ONE_DAY


def local_days(span: Interval, zone: ZoneInfo) -> list[Interval]:
    """Return the whole local days (midnight to midnight) that overlap *span*."""
    days = (Interval(at_local(day, time(0), zone), at_local(day + ONE_DAY, time(0), zone))
            for day in local_dates(span, zone))
    return [day for day in days if day.overlaps(span)]


def window_periods(windows: Iterable[WeeklyWindow], zone: ZoneInfo,
                   span: Interval) -> list[Interval]:
    """Return every occurrence of *windows* that overlaps *span*, whole and sorted by start."""
    windows = tuple(windows)
    found = []
    for day in local_dates(span, zone):
        for window in windows:
            if window.weekday != day.weekday():
                continue
            start, end = at_local(day, window.start, zone), at_local(day, window.end, zone)
            # A window lying wholly inside a skipped hour does not happen that day.
            if start < end and start < span.end and span.start < end:
                found.append(Interval(start, end))
    return sorted(found)


def grid_starts(anchors: Iterable[Interval], step: timedelta, span: Interval) -> list[datetime]:
    """Return the instants anchor.start + k * step inside an anchor and inside *span*, sorted."""
    starts = set()
    for anchor in anchors:
        skipped = max(span.start - anchor.start, timedelta(0))
        moment = anchor.start + step * -(-skipped // step)  # first grid point not before span
        while moment < anchor.end and moment < span.end:
            starts.add(moment)
            moment += step
    return sorted(starts)


def is_on_grid(moment: datetime, anchors: Iterable[Interval], step: timedelta) -> bool:
    """Whether *moment* lies a whole number of steps after the start of an anchor holding it."""
    return any(anchor.start <= moment < anchor.end
               and (moment - anchor.start) % step == timedelta(0) for anchor in anchors)
