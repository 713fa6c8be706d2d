"""A booking as the ledger counts it: its confirmed time cut at the resource's midnights."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from booking.scheduling.availability import ONE_DAY, at_local, local_days, window_periods
from booking.scheduling.intervals import Interval, intersect, merge


def day_pieces(period: Interval, zone: ZoneInfo) -> list[tuple[date, int]]:
    """Each local day in *zone* that *period* overlaps, with the whole seconds inside it."""
    pieces = []
    for day in local_days(period, zone):
        start, end = max(day.start, period.start), min(day.end, period.end)
        seconds = round((end - start).total_seconds())
        if seconds > 0:
            pieces.append((day.start.astimezone(zone).date(), seconds))
    return pieces


def day_counts(period: Interval, zone: ZoneInfo,
               quantity: int) -> dict[date, tuple[int, int, int, int]]:
    """By local day: (bookings started, bookings carried in, seconds, place-seconds)."""
    return {day: (int(index == 0), int(index > 0), seconds, seconds * quantity)
            for index, (day, seconds) in enumerate(day_pieces(period, zone))}


def open_seconds(rules, first: date, last: date) -> int:
    """Seconds the resource is open from *first* to *last* (local days, both included).

    Opening hours are counted on the wall clock (a window is as long on a day the clocks
    change); closures take away the open time inside them.
    """
    zone = rules.zone
    span = Interval(at_local(first, time(0), zone), at_local(last + ONE_DAY, time(0), zone))
    if rules.windows:
        per_weekday = [0] * 7
        for window in rules.windows:
            per_weekday[window.weekday] += _wall_seconds(window.start, window.end)
        days = (last - first).days + 1
        weeks, rest = divmod(days, 7)
        total = weeks * sum(per_weekday)
        total += sum(per_weekday[(first.weekday() + offset) % 7] for offset in range(rest))
        opening = lambda part: window_periods(rules.windows, zone, part)  # noqa: E731
    else:
        total = round(span.duration.total_seconds())
        opening = lambda part: [part]  # noqa: E731
    closed = [c.period for c in rules.closures if c.period.overlaps(span)]
    for closure in merge(closed):
        inside = Interval(max(closure.start, span.start), min(closure.end, span.end))
        total -= sum(round(p.duration.total_seconds())
                     for p in intersect(opening(inside), [inside]))
    return max(total, 0)


def _wall_seconds(start: time, end: time) -> int:
    return (end.hour * 3600 + end.minute * 60 + end.second) - (
        start.hour * 3600 + start.minute * 60 + start.second)
