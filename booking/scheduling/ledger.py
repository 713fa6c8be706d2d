"""A booking as the ledger counts it: its confirmed time cut at the resource's midnights."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from booking.scheduling.availability import local_days
from booking.scheduling.intervals import Interval


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
