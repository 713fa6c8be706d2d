"""Repeating bookings: a daily, weekly or monthly pattern expanded into real periods."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from booking.scheduling.availability import at_local, zone_named
from booking.scheduling.intervals import Interval, require_aware

MAX_OCCURRENCES = 1000
MAX_SPAN = timedelta(days=731)  # how far past the first date a series may reach: two years
# Every 366 days, weeks or months: beyond that no series has a second date within MAX_SPAN.
MAX_INTERVAL = 366

_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Frequency(StrEnum):
    """How often a series repeats."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class RecurrenceTooLong(ValueError):
    """A series would have more than MAX_OCCURRENCES occurrences or span more than MAX_SPAN."""


@dataclass(frozen=True)
class Recurrence:
    """How a booking repeats, read as an RFC 5545 RRULE whose weeks start on Monday.

    The first period gives the time of day, the length and the earliest date; like
    DTSTART it is itself an occurrence only when the pattern matches its date.
    Skipped dates are left out after counting, like EXDATE: count=10 with one date
    skipped gives nine occurrences. MONTHLY by "date" repeats the first's day of the
    month and passes over months without it (there is no 31 June); by "weekday" it
    repeats the first's nth weekday (the 2nd Wednesday) and passes over months without
    one, which only happens for a 5th weekday.
    """

    freq: Frequency
    interval: int = 1  # every `interval` days, weeks or months
    weekdays: tuple[int, ...] = ()  # WEEKLY only, 0 = Monday; none: the first's weekday
    monthly_by: str = "date"  # MONTHLY: "date" or "weekday"
    until: date | None = None  # the last local date an occurrence may fall on
    count: int | None = None  # give exactly one of until and count
    skip: frozenset[date] = frozenset()  # local dates left out

    def __post_init__(self) -> None:
        object.__setattr__(self, "freq", Frequency(self.freq))
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        object.__setattr__(self, "skip", frozenset(self.skip))
        self._validate()

    def _validate(self) -> None:
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise ValueError(f"interval must be 1 to {MAX_INTERVAL}, got {self.interval}")
        if (self.until is None) == (self.count is None):
            raise ValueError("give exactly one of until and count")
        if isinstance(self.until, datetime):
            raise ValueError("until is a local date, not a datetime")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be at least 1, got {self.count}")
        if self.count is not None and self.count > MAX_OCCURRENCES:
            raise RecurrenceTooLong(f"at most {MAX_OCCURRENCES} occurrences, got {self.count}")
        if any(weekday not in range(7) for weekday in self.weekdays):
            raise ValueError(f"weekdays run from 0 (Monday) to 6, got {self.weekdays}")
        if self.weekdays and self.freq is not Frequency.WEEKLY:
            raise ValueError("weekdays apply to weekly series only")
        if self.monthly_by not in ("date", "weekday"):
            raise ValueError(f'monthly_by must be "date" or "weekday", got {self.monthly_by!r}')
        if self.monthly_by != "date" and self.freq is not Frequency.MONTHLY:
            raise ValueError("monthly_by applies to monthly series only")

    def occurrences(self, first: Interval, tz: ZoneInfo | str) -> list[Interval]:
        """Return every occurrence in order, as UTC intervals.

        The pattern unfolds in wall-clock time, so a 09:00 series stays at 09:00 across
        a daylight-saving change while its UTC start moves. A start the clocks skip moves
        on by the gap (02:30 becomes 03:30); a start they repeat means the first of the
        two. Every occurrence keeps the first's wall-clock length, so a multi-day period
        ends at the same local time.
        """
        zone = tz if isinstance(tz, ZoneInfo) else zone_named(tz)
        local_start = first.start.astimezone(zone)
        length = _wall_clock_length(first, zone)
        return [first if day == local_start.date()
                else _occurrence(day, local_start.time(), length, zone)
                for day in self.dates(local_start.date()) if day not in self.skip]

    def dates(self, first_day: date) -> list[date]:
        """Return the local dates of the pattern from *first_day* on, skipped dates included."""
        last_day = first_day + MAX_SPAN
        if self.until is not None and self.until < first_day:
            raise ValueError(f"until ({self.until}) is before the first date ({first_day})")
        if self.until is not None and self.until > last_day:
            raise RecurrenceTooLong(f"a series may span at most {MAX_SPAN.days} days")
        found = []
        for day in _PATTERNS[self.freq](self, first_day, last_day):
            if self.until is not None and day > self.until:
                break
            found.append(day)
            if len(found) == self.count:
                return found
        if self.count is not None:
            raise RecurrenceTooLong(f"{self.count} occurrences span more than {MAX_SPAN.days} days")
        return found


def _daily(rule: Recurrence, first_day: date, last_day: date) -> Iterator[date]:
    day = first_day
    while day <= last_day:
        yield day
        day += timedelta(days=rule.interval)


def _weekly(rule: Recurrence, first_day: date, last_day: date) -> Iterator[date]:
    weekdays = rule.weekdays or (first_day.weekday(),)
    monday = first_day - timedelta(days=first_day.weekday())
    while monday <= last_day:
        for weekday in weekdays:
            day = monday + timedelta(days=weekday)
            if first_day <= day <= last_day:
                yield day
        monday += timedelta(weeks=rule.interval)


def _monthly(rule: Recurrence, first_day: date, last_day: date) -> Iterator[date]:
    pick = _same_date if rule.monthly_by == "date" else _same_weekday
    year, month = first_day.year, first_day.month
    while date(year, month, 1) <= last_day:
        day = pick(first_day, year, month)
        if day is not None and first_day <= day <= last_day:
            yield day
        year, month_index = divmod(year * 12 + month - 1 + rule.interval, 12)
        month = month_index + 1


_PATTERNS = {Frequency.DAILY: _daily, Frequency.WEEKLY: _weekly, Frequency.MONTHLY: _monthly}


def _same_date(first_day: date, year: int, month: int) -> date | None:
    """The first's day of the month in (year, month), if that month has it."""
    if first_day.day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, first_day.day)


def _same_weekday(first_day: date, year: int, month: int) -> date | None:
    """The first's nth weekday (e.g. 2nd Wednesday) in (year, month), if there is one."""
    first_weekday_of_month, days_in_month = calendar.monthrange(year, month)
    day = 1 + (first_day.weekday() - first_weekday_of_month) % 7 + 7 * (_nth_weekday(first_day) - 1)
    return date(year, month, day) if day <= days_in_month else None


def _nth_weekday(day: date) -> int:
    """Which of its month's Mondays (or Tuesdays, ...) *day* is, counting from 1."""
    return (day.day - 1) // 7 + 1


def _wall_clock_length(first: Interval, zone: ZoneInfo) -> timedelta:
    local_start = first.start.astimezone(zone).replace(tzinfo=None)
    local_end = first.end.astimezone(zone).replace(tzinfo=None)
    # Inside the hour repeated in autumn a period can end "before" it starts on the wall
    # clock; real time is the only sensible length then.
    return local_end - local_start if local_end > local_start else first.duration


def _occurrence(day: date, clock: time, length: timedelta, zone: ZoneInfo) -> Interval:
    start = at_local(day, clock, zone)
    # Read the start back: if the clocks skipped it, it moved on, and the end moves with it.
    local_start = start.astimezone(zone).replace(tzinfo=None)
    local_end = local_start + length
    return Interval(start, at_local(local_end.date(), local_end.time(), zone))


def to_rrule_string(recurrence: Recurrence, first_local_start: datetime,
                    tz: tzinfo | str | None = None) -> str:
    """Return the RFC 5545 RRULE value of a series, e.g. FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8.

    *first_local_start* is the DTSTART, i.e. the first occurrence's start, in the
    resource's zone (or give that zone as *tz*). UNTIL is the end of the until date in
    that zone, written in UTC as RFC 5545 requires next to a DTSTART with a TZID.
    Skipped dates are not part of the rule: export them as EXDATEs.
    """
    require_aware(first_local_start, "first_local_start")
    if tz is not None:
        first_local_start = first_local_start.astimezone(
            tz if isinstance(tz, tzinfo) else zone_named(tz))
    parts = [f"FREQ={recurrence.freq.upper()}"]
    if recurrence.interval > 1:
        parts.append(f"INTERVAL={recurrence.interval}")
    parts += _rrule_by_parts(recurrence, first_local_start.date())
    if recurrence.until is not None:
        end_of_day = datetime.combine(recurrence.until, time(23, 59, 59),
                                      tzinfo=first_local_start.tzinfo)
        parts.append(f"UNTIL={end_of_day.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}")
    else:
        parts.append(f"COUNT={recurrence.count}")
    return ";".join(parts)


def _rrule_by_parts(recurrence: Recurrence, first_day: date) -> list[str]:
    if recurrence.freq is Frequency.WEEKLY:
        weekdays = recurrence.weekdays or (first_day.weekday(),)
        return ["BYDAY=" + ",".join(_RRULE_DAYS[weekday] for weekday in weekdays)]
    if recurrence.freq is Frequency.MONTHLY and recurrence.monthly_by == "weekday":
        return [f"BYDAY={_nth_weekday(first_day)}{_RRULE_DAYS[first_day.weekday()]}"]
    if recurrence.freq is Frequency.MONTHLY:
        return [f"BYMONTHDAY={first_day.day}"]
    return []
