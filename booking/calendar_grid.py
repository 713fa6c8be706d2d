"""The calendar's view model: which blocks land in which day column, and how high.

Plain Python (no Flask, no database): the services hand in booking records, rules and
occupancies, the templates draw what comes out. Positions are minutes from the top of the
visible hours. A day column is one local calendar day of real time, midnight to midnight:
23 hours on the spring-forward day, 25 on the autumn one. The rows of a time grid are the
wall-clock hours that any of its days has; the autumn day's repeated hour gets a row of its
own ("02:00 again") and days without it show that row as absent, so every row lies at the
same height in every column and the 25-hour day is drawn in real time. The hour skipped in
spring is a row the 23-hour day marks as skipped. See docs/calendar.md.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from booking.scheduling import (BookingRules, Interval, Occupancy, at_local, available_periods,
                                earliest_start, free_intervals, free_slots, intersect,
                                latest_start, longest_booking, merge, places_left,
                                shortest_booking, subtract)
from booking.scheduling.usage import Usage

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
ONE_DAY = timedelta(days=1)
# A free cell proposes a booking this long (or the shortest the rules allow, or one slot).
DEFAULT_PROPOSAL = timedelta(hours=1)
MIN_BLOCK_MINUTES = 15  # drawn at least this high, so a 5-minute booking stays readable
DEFAULT_HOURS = (8, 18)  # shown when neither rules nor bookings say otherwise
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # the booking form's wall-clock format


class View(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """A booking as the calendar needs it; `label` is None when the viewer sees only "busy"."""

    id: int
    start: datetime
    end: datetime
    status: str  # "confirmed" or "pending"
    label: str | None
    is_own: bool
    may_see_details: bool
    quantity: int = 1
    resource_id: int | None = None
    detail: str = ""  # e.g. the booking organisation's name, for those who may see it
    period: Interval = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Made once: a busy timeline asks for it thousands of times.
        object.__setattr__(self, "period", Interval(self.start, self.end))

    def touches(self, span: Interval) -> bool:
        """Whether the booking shares an instant with *span* (cheaper than overlaps())."""
        return self.start < span.end and span.start < self.end

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"


# ---------------------------------------------------------------------------- spans and days

def days_of(view: View, anchor: date) -> list[date]:
    """The days a view shows: one, Monday to Sunday, or the month's whole weeks."""
    if view is View.DAY:
        return [anchor]
    if view is View.WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return [monday + timedelta(days=i) for i in range(7)]
    return [day for week in month_weeks(anchor.year, anchor.month) for day in week]


def month_weeks(year: int, month: int) -> list[list[date]]:
    """The month as weeks of seven days, Monday first, with the neighbours' days around it."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def shift(view: View, anchor: date, steps: int) -> date:
    """The anchor date *steps* days, weeks or months away (a month keeps its day if it can)."""
    if view is View.DAY:
        return anchor + timedelta(days=steps)
    if view is View.WEEK:
        return anchor + timedelta(weeks=steps)
    months = anchor.year * 12 + anchor.month - 1 + steps
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor.day, last))


def local_day(day: date, zone: ZoneInfo) -> Interval:
    """One local calendar day, midnight to midnight, in real time (23, 24 or 25 hours)."""
    return Interval(at_local(day, time(0), zone), at_local(day + ONE_DAY, time(0), zone))


def span_of(days: Sequence[date], zone: str) -> Interval:
    """The real time from the first day's midnight to the midnight after the last day."""
    tz = ZoneInfo(zone)
    return Interval(local_day(days[0], tz).start, local_day(days[-1], tz).end)


def lookahead(rules: BookingRules | None) -> timedelta:
    """How far past a view's end free time must be known to propose a booking near its end."""
    return proposal_length(rules) if rules is not None else timedelta(0)


def proposal_length(rules: BookingRules | None) -> timedelta:
    """How long a booking a click on free time proposes: an hour, one slot, or the minimum."""
    if rules is None:
        return DEFAULT_PROPOSAL
    if rules.slot is not None:
        return shortest_booking(rules)
    return min(max(DEFAULT_PROPOSAL, shortest_booking(rules)), longest_booking(rules))


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as the booking form's wall-clock value in *zone*."""
    return moment.astimezone(zone).strftime(LOCAL_FORMAT)


# ---------------------------------------------------------------------------- free time

NOTICE, HORIZON = "notice", "horizon"


@dataclass(frozen=True, slots=True)
class NotYet:
    """Open time nobody can book yet: inside the notice period, or beyond the horizon."""

    kind: str  # NOTICE or HORIZON
    # NOTICE: the first start the rules allow now; HORIZON: when booking this time opens.
    moment: datetime


def not_yet(rules: BookingRules, opening: Sequence[Interval], now: datetime,
            first_free: datetime | None = None) -> NotYet | None:
    """Why open time still to come offers nothing, when the booking window alone explains it.

    *first_free* is the first free start after the notice period, where the caller knows it:
    the notice then reads "bookable from" that time rather than from the notice's own end.
    """
    ahead = [part for part in opening if part.end > now]
    if not ahead:
        return None
    earliest = earliest_start(rules, now)
    shortest = max(shortest_booking(rules), MINUTE)
    starts = [max(part.start, earliest) for part in ahead
              if part.end - max(part.start, earliest) >= shortest]
    if not starts:
        return NotYet(NOTICE, first_free or earliest)
    latest = latest_start(rules, now)
    if latest is not None and all(start > latest for start in starts):
        return NotYet(HORIZON, starts[0] - timedelta(days=rules.horizon_days))
    return None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A free time a click books: start and end as real instants and as the form's values."""

    start: datetime
    end: datetime
    start_local: str
    end_local: str
    places_left: int | None  # None for capacity 1: "free" says it all
    # Inside the hour repeated in autumn a wall-clock time names two instants; the form
    # would take the first, so such times are shown but not offered as links.
    ambiguous: bool = False


class FreeTime:
    """Where, inside one span, a booking of one place can start, for one resource."""

    def __init__(self, rules: BookingRules, span: Interval, occupying: Sequence[Occupancy],
                 now: datetime) -> None:
        self.rules = rules
        self.zone = rules.zone
        self.occupying = occupying
        self.now = now
        self.length = proposal_length(rules)
        self.shortest = max(shortest_booking(rules), MINUTE)
        reach = Interval(span.start, span.end + lookahead(rules))
        if rules.slot is not None:
            found = free_slots(rules, reach, occupying=occupying, now=now)
            self.slots = [s for s in found if s.period.start < span.end]
            self.stretches = [s.period for s in self.slots]
        else:
            self.slots = []
            self.stretches = [s.period for s in free_intervals(rules, reach, occupying=occupying,
                                                                now=now)]
        self._starts = [s.start for s in self.stretches]

    @property
    def slot_based(self) -> bool:
        return self.rules.slot is not None

    def _may_start(self, moment: datetime) -> bool:
        latest = latest_start(self.rules, self.now)
        return latest is None or moment <= latest

    def proposal_within(self, window: Interval) -> Proposal | None:
        """The earliest booking that can start inside *window*, or None."""
        if self.slot_based:
            for slot in self.slots:
                if window.start <= slot.period.start < window.end:
                    return self._proposal(slot.period.start, slot.period.end)
            return None
        index = max(bisect.bisect_right(self._starts, window.start) - 1, 0)
        for stretch in self.stretches[index:]:
            if stretch.start >= window.end:
                break
            start = max(stretch.start, window.start)
            end = min(start + self.length, stretch.end)
            if start < stretch.end and end - start >= self.shortest and self._may_start(start):
                return self._proposal(start, end)
        return None

    def proposal_for(self, period: Interval) -> Proposal:
        """A free period as the booking form's values."""
        return self._proposal(period.start, period.end)

    def _proposal(self, start: datetime, end: datetime) -> Proposal:
        places = None
        if self.rules.capacity > 1:
            wanted = self.rules.occupied(Interval(start, end))
            places = places_left(self.rules, wanted, self.occupying)
        return Proposal(start, end, local_text(start, self.zone), local_text(end, self.zone),
                        places, ambiguous=start.astimezone(self.zone).fold == 1)

    def first_start_from(self, moment: datetime) -> datetime | None:
        """The first moment from *moment* on at which a booking can start, within the span."""
        index = max(bisect.bisect_right(self._starts, moment) - 1, 0)
        for stretch in self.stretches[index:]:
            start = max(stretch.start, moment)
            if stretch.end - start >= self.shortest and self._may_start(start):
                return start
        return None

    def places_during(self, window: Interval) -> int | None:
        """For capacity > 1: the places free all through *window* (None for capacity 1)."""
        if self.rules.capacity == 1:
            return None
        return places_left(self.rules, window, self.occupying)

    def free_minutes(self, window: Interval) -> int:
        """Minutes inside *window* at which a booking could run (slot time, for slots)."""
        parts = intersect(self.stretches, [window])
        return int(sum((p.duration for p in parts), timedelta(0)) / MINUTE)

    def slots_in(self, window: Interval) -> int:
        return sum(1 for s in self.slots if window.start <= s.period.start < window.end)


def window_limits(rules: BookingRules, span: Interval, now: datetime) -> list[NotYet]:
    """The edges of what can be booked now that fall inside *span*, for a note above a grid.

    NOTICE carries the first start allowed; HORIZON the last one.
    """
    limits = []
    earliest = earliest_start(rules, now)
    if earliest > now and span.start < earliest < span.end:
        limits.append(NotYet(NOTICE, earliest))
    if (latest := latest_start(rules, now)) is not None and span.start < latest < span.end:
        limits.append(NotYet(HORIZON, latest))
    return limits


# ---------------------------------------------------------------------------- time grid

@dataclass(frozen=True, slots=True)
class HourRow:
    """One wall-clock hour on the grid's axis; `repeated` is its second run in autumn."""

    hour: int
    repeated: bool
    top: int

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"


@dataclass(frozen=True, slots=True)
class Segment:
    """Where one real hour of a day sits on the axis."""

    top: int
    period: Interval
    repeated: bool


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded stretch of a column: closed, a closure, or an hour this day has not got."""

    what: ClassVar[str] = "band"
    kind: str  # "closed", "closure", "skipped" (spring forward), "absent" (no repeat today)
    top: int
    height: int
    start: datetime | None = None  # local times, for the words read out
    end: datetime | None = None
    note: str = ""  # a closure's reason


@dataclass(slots=True)
class Block:
    """The part of a booking that falls on one day."""

    what: ClassVar[str] = "block"
    booking: BookingRecord
    top: int
    height: int
    start: datetime  # the booking's own local start and end (not cut at midnight)
    end: datetime
    continues_before: bool
    continues_after: bool
    lane: int = 0
    lanes: int = 1


@dataclass(frozen=True, slots=True)
class FreeCell:
    """A free time on the grid, offered as a link to the booking form."""

    what: ClassVar[str] = "free"
    top: int
    height: int
    proposal: Proposal
    label: str  # "14:00"
    is_slot: bool
    until_local: str = ""  # where the cell itself ends: dragging over cells joins them
    places_left: int | None = None  # capacity > 1: places free all through the cell


@dataclass(slots=True)
class DayColumn:
    day: date
    period: Interval
    segments: list[Segment]
    is_today: bool
    is_past: bool
    bands: list[Band] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    free: list[FreeCell] = field(default_factory=list)
    now_top: int | None = None

    @property
    def hours(self) -> int:
        """How many hours this day really has: 23, 24 or 25 where clocks change."""
        return round(self.period.duration / HOUR)

    def items(self) -> list[Band | Block | FreeCell]:
        """Everything in the column in reading order, top to bottom."""
        return sorted((*self.bands, *self.blocks, *self.free),
                      key=lambda item: (item.top, _ORDER[item.what]))

    def position(self, moment: datetime, *, is_end: bool = False) -> int:
        """Minutes from the top of the grid at which *moment* is drawn.

        An end is drawn at the bottom of the hour it closes, a start at the top of the one
        it opens; moments outside the visible hours go to the nearest edge.
        """
        for segment in self.segments:
            start, end = segment.period.start, segment.period.end
            if (start < moment <= end) if is_end else (start <= moment < end):
                return segment.top + _minutes(moment - start)
        later = [s.top for s in self.segments if s.period.start >= moment]
        return later[0] if later else self.bottom

    @property
    def bottom(self) -> int:
        """Where the last visible hour of this day ends."""
        if not self.segments:
            return 0
        last = self.segments[-1]
        return last.top + _minutes(last.period.duration)


_ORDER = {"band": 0, "block": 1, "free": 2}


@dataclass(slots=True)
class TimeGrid:
    zone: str
    rows: list[HourRow]
    columns: list[DayColumn]
    cell_minutes: int

    @property
    def height(self) -> int:
        return len(self.rows) * 60

    @property
    def has_clock_change(self) -> bool:
        return any(column.hours != 24 for column in self.columns)


def time_grid(days: Sequence[date], zone: str, *, bookings: Iterable[BookingRecord],
              now: datetime, rules: BookingRules | None = None,
              occupying: Sequence[Occupancy] = (), hours: tuple[int, int] | None = None,
              cell_minutes: int = 30) -> TimeGrid:
    """Lay out days as columns of hour rows: bands, booking blocks and free cells."""
    tz = ZoneInfo(zone)
    bookings = sorted(bookings, key=lambda b: (b.start, b.end))
    periods = [local_day(day, tz) for day in days]
    real_hours = [_real_hours(period, tz) for period in periods]
    first, last = hours or visible_hours(days, tz, rules, bookings)
    keys = {(hour, False) for hour in range(first, last)}
    keys |= {key for day in real_hours for key, _ in day if first <= key[0] < last}
    rows = [HourRow(hour, repeated, 60 * i) for i, (hour, repeated) in enumerate(sorted(keys))]
    today = now.astimezone(tz).date()
    span = Interval(periods[0].start, periods[-1].end)
    free = FreeTime(rules, span, occupying, now) if rules is not None else None
    columns = []
    for day, period, day_hours in zip(days, periods, real_hours):
        by_key = dict(day_hours)
        segments = [Segment(row.top, by_key[(row.hour, row.repeated)], row.repeated)
                    for row in rows if (row.hour, row.repeated) in by_key]
        column = DayColumn(day, period, segments, day == today, period.end <= now)
        column.bands = _missing_rows(rows, by_key) + _closed_bands(column, rules, tz)
        column.blocks = _blocks(column, bookings, tz)
        if free is not None:
            column.free = _free_cells(column, free, cell_minutes, tz)
        if period.start <= now < period.end:
            column.now_top = column.position(now)
        columns.append(column)
    return TimeGrid(zone, rows, columns, cell_minutes)


def _real_hours(period: Interval, tz: ZoneInfo) -> list[tuple[tuple[int, bool], Interval]]:
    """Each real hour of a local day, keyed by its wall-clock hour and whether it repeats."""
    found = []
    moment = period.start
    while moment < period.end:
        local = moment.astimezone(tz)
        # Step to the next full wall-clock hour (offsets that are not whole hours exist).
        end = min(moment + HOUR - timedelta(minutes=local.minute, seconds=local.second),
                  period.end)
        found.append(((local.hour, local.fold == 1), Interval(moment, end)))
        moment = end
    return found


def visible_hours(days: Sequence[date], tz: ZoneInfo, rules: BookingRules | None,
                  bookings: Sequence[BookingRecord]) -> tuple[int, int]:
    """The wall-clock hours to draw: the opening hours, widened to show every booking."""
    if rules is not None and not rules.windows:
        return 0, 24  # open around the clock
    if rules is not None:
        first = min(w.start.hour for w in rules.windows)
        last = max(_ceil_hour(datetime.combine(date.min, w.end)) for w in rules.windows)
    else:
        first, last = DEFAULT_HOURS
    for day in days:
        period = local_day(day, tz)
        for booking in bookings:
            if part := booking.period.intersection(period):
                start, end = part.start.astimezone(tz), part.end.astimezone(tz)
                first = min(first, start.hour)
                last = max(last, 24 if part.end == period.end else _ceil_hour(end))
    return first, max(last, first + 1)


def _ceil_hour(local: datetime) -> int:
    return local.hour + (1 if (local.minute or local.second) else 0)


def _missing_rows(rows: list[HourRow], by_key: dict) -> list[Band]:
    """Rows of the axis that this day has not got: the skipped hour, or no repeated hour."""
    return [Band("absent" if row.repeated else "skipped", row.top, 60)
            for row in rows if (row.hour, row.repeated) not in by_key]


def _closed_bands(column: DayColumn, rules: BookingRules | None, tz: ZoneInfo) -> list[Band]:
    """Shade the time outside the opening hours, and the closures with their reasons."""
    if rules is None:
        return []
    period = column.period
    opening = available_periods(replace(rules, closures=()), period)
    closures = [(part, c.reason) for c in rules.closures
                if (part := c.period.intersection(period))]
    bands = [_band(column, "closure", part, tz, note) for part, note in closures]
    for outside in subtract(period, opening):
        bands += [_band(column, "closed", part, tz)
                  for part in subtract(outside, [part for part, _ in closures])]
    return [band for band in bands if band.height > 0]


def _band(column: DayColumn, kind: str, part: Interval, tz: ZoneInfo, note: str = "") -> Band:
    top = column.position(part.start)
    return Band(kind, top, column.position(part.end, is_end=True) - top,
                part.start.astimezone(tz), part.end.astimezone(tz), note)


def _blocks(column: DayColumn, bookings: Sequence[BookingRecord], tz: ZoneInfo) -> list[Block]:
    """The bookings on this day, cut at midnight, side by side where they overlap."""
    blocks = []
    for booking in bookings:
        if not (part := booking.period.intersection(column.period)):
            continue
        top = column.position(part.start)
        bottom = column.position(part.end, is_end=True)
        blocks.append(Block(booking, top, max(bottom - top, MIN_BLOCK_MINUTES),
                            booking.start.astimezone(tz), booking.end.astimezone(tz),
                            booking.start < column.period.start, booking.end > column.period.end))
    assign_lanes(blocks)
    return blocks


def assign_lanes(blocks: list[Block]) -> None:
    """Put overlapping blocks side by side; each cluster of overlaps shares its lane count."""
    blocks.sort(key=lambda b: (b.top, -b.height))
    cluster: list[Block] = []
    lane_ends: list[int] = []
    cluster_end = -1
    for block in blocks:
        if cluster and block.top >= cluster_end:
            _close_cluster(cluster, len(lane_ends))
            cluster, lane_ends = [], []
        free_lane = next((i for i, end in enumerate(lane_ends) if end <= block.top), None)
        if free_lane is None:
            free_lane = len(lane_ends)
            lane_ends.append(0)
        lane_ends[free_lane] = block.top + block.height
        block.lane = free_lane
        cluster.append(block)
        cluster_end = max(cluster_end if cluster[:-1] else -1, block.top + block.height)
    _close_cluster(cluster, len(lane_ends))


def _close_cluster(cluster: list[Block], lanes: int) -> None:
    for block in cluster:
        block.lanes = max(lanes, 1)


def _free_cells(column: DayColumn, free: FreeTime, cell_minutes: int,
                tz: ZoneInfo) -> list[FreeCell]:
    """The free times on this day: each slot, or the first free moment of each cell."""
    if free.slot_based:
        return [_cell(column, slot.period, free.proposal_for(slot.period), tz, is_slot=True)
                for slot in free.slots
                if column.period.start <= slot.period.start < column.period.end
                and column.position(slot.period.start) < column.bottom]
    cells = []
    step = timedelta(minutes=cell_minutes)
    for segment in column.segments:
        start = segment.period.start
        while start < segment.period.end:
            window = Interval(start, min(start + step, segment.period.end))
            if proposal := free.proposal_within(window):
                cells.append(_cell(column, window, proposal, tz, is_slot=False,
                                   places=free.places_during(window)))
            start = window.end
    return cells


def _cell(column: DayColumn, area: Interval, proposal: Proposal, tz: ZoneInfo, *,
          is_slot: bool, places: int | None = None) -> FreeCell:
    top = column.position(area.start)
    height = max(column.position(area.end, is_end=True) - top, MIN_BLOCK_MINUTES)
    return FreeCell(top, height, proposal, proposal.start.astimezone(tz).strftime("%H:%M"),
                    is_slot, local_text(area.end, tz),
                    proposal.places_left if places is None else places)


def _minutes(delta: timedelta) -> int:
    return round(delta / MINUTE)


# ---------------------------------------------------------------------------- month grid

@dataclass(frozen=True, slots=True)
class MonthEntry:
    """A booking as one line of a month day: its local start, and whether it runs on."""

    booking: BookingRecord
    start: datetime
    end: datetime
    continues_before: bool
    continues_after: bool


@dataclass(slots=True)
class MonthDay:
    day: date
    in_month: bool
    is_today: bool
    is_past: bool
    entries: list[MonthEntry] = field(default_factory=list)
    is_open: bool | None = None  # None: no rules (a person's own calendar)
    closures: list[str] = field(default_factory=list)
    free_minutes: int | None = None
    free_slots: int | None = None
    places_left: int | None = None  # capacity > 1: places free all through the open hours
    first_free: Proposal | None = None
    not_yet: NotYet | None = None  # why nothing is free, when it is notice or horizon


@dataclass(slots=True)
class MonthGrid:
    year: int
    month: int
    zone: str
    weeks: list[list[MonthDay]]

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)


def month_grid(year: int, month: int, zone: str, *, bookings: Iterable[BookingRecord],
               now: datetime, rules: BookingRules | None = None,
               occupying: Sequence[Occupancy] = ()) -> MonthGrid:
    """The month in whole weeks: each day's bookings, opening, free time and places."""
    tz = ZoneInfo(zone)
    weeks = month_weeks(year, month)
    days = [day for week in weeks for day in week]
    bookings = sorted(bookings, key=lambda b: (b.start, b.end))
    free = FreeTime(rules, span_of(days, zone), occupying, now) if rules is not None else None
    today = now.astimezone(tz).date()
    by_day = {}
    for day in days:
        period = local_day(day, tz)
        cell = MonthDay(day, day.month == month, day == today, period.end <= now)
        cell.entries = [MonthEntry(b, b.start.astimezone(tz), b.end.astimezone(tz),
                                   b.start < period.start, b.end > period.end)
                        for b in bookings if b.period.overlaps(period)]
        if rules is not None and free is not None:
            _summarise(cell, period, rules, free, occupying, now)
        by_day[day] = cell
    return MonthGrid(year, month, zone, [[by_day[day] for day in week] for week in weeks])


def _summarise(cell: MonthDay, period: Interval, rules: BookingRules, free: FreeTime,
               occupying: Sequence[Occupancy], now: datetime) -> None:
    opening = available_periods(rules, period)
    cell.is_open = bool(opening)
    cell.closures = [c.reason for c in rules.closures if c.period.overlaps(period)]
    cell.free_minutes = free.free_minutes(period)
    cell.free_slots = free.slots_in(period) if free.slot_based else None
    cell.first_free = free.proposal_within(period)
    if cell.first_free is None:
        cell.not_yet = not_yet(rules, opening, now,
                               free.first_start_from(earliest_start(rules, now)))
    if rules.capacity > 1 and opening:
        cell.places_left = min(places_left(rules, part, occupying) for part in opening)


# ---------------------------------------------------------------------------- timeline

@dataclass(frozen=True)
class TimelineResource:
    """One row of the timeline: a resource with its rules, bookings and occupancies."""

    id: int
    name: str
    rules: BookingRules
    bookings: Sequence[BookingRecord] = ()
    occupying: Sequence[Occupancy] = ()
    info: object = None  # whatever the template shows beside the name


@dataclass(frozen=True, slots=True)
class TimelineColumn:
    period: Interval
    start: datetime  # local, in the timeline's zone
    repeated: bool  # the second run of an hour in autumn
    is_now: bool


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch inside a cell, in percent of the cell's width."""

    kind: str  # "busy", "own", "pending", "closed", "closure", "usage" (capacity > 1)
    left: float
    width: float
    booking: BookingRecord | None = None
    fill: float = 1.0  # for "usage": the share of the capacity taken


@dataclass(slots=True)
class TimelineCell:
    state: str  # "free", "busy", "closed", "past", "not-yet" (notice or horizon)
    proposal: Proposal | None = None
    not_yet: NotYet | None = None
    places_left: int | None = None
    free_minutes: int = 0
    free_slots: int | None = None
    pieces: list[Piece] = field(default_factory=list)
    bookings: list[BookingRecord] = field(default_factory=list)  # starting in this cell
    closures: list[str] = field(default_factory=list)
    # Bookings named in this cell, with how many columns from here they cover.
    labels: list[tuple[BookingRecord, int]] = field(default_factory=list)


@dataclass(slots=True)
class TimelineRow:
    resource: TimelineResource
    cells: list[TimelineCell]


@dataclass(slots=True)
class Timeline:
    zone: str
    view: View
    columns: list[TimelineColumn]
    rows: list[TimelineRow]


def timeline(resources: Sequence[TimelineResource], view: View, anchor: date, zone: str, *,
             now: datetime, hours: tuple[int, int] | None = None) -> Timeline:
    """Resources as rows; the hours of a day or the days of a week as columns, in *zone*.

    A day shows the hours in which any resource with opening hours is open (resources open
    around the clock do not stretch it to 24 hours), unless *hours* says otherwise.
    """
    tz = ZoneInfo(zone)
    days = days_of(view, anchor)
    span = span_of(days, zone)
    if view is View.DAY:
        first, last = hours or _timeline_hours(resources, span, tz)
        columns = [TimelineColumn(period, period.start.astimezone(tz), key[1],
                                  period.start <= now < period.end)
                   for key, period in _real_hours(span, tz) if first <= key[0] < last]
    else:
        columns = [TimelineColumn(period, period.start.astimezone(tz), False,
                                  period.start <= now < period.end)
                   for period in (local_day(day, tz) for day in days)]
    rows = []
    for resource in resources:
        free = FreeTime(resource.rules, span, resource.occupying, now)
        # Once per row, merged, not once per cell: each cell only clips it (_clipped).
        opening = merge(available_periods(resource.rules, span))
        cells = [_timeline_cell(resource, free, column, view, now, is_first=i == 0,
                                opening_all=opening)
                 for i, column in enumerate(columns)]
        _label(cells, columns)
        rows.append(TimelineRow(resource, cells))
    return Timeline(zone, view, columns, rows)


def _timeline_hours(resources: Sequence[TimelineResource], span: Interval,
                    tz: ZoneInfo) -> tuple[int, int]:
    """The hours any listed resource is open on the day, in the timeline's zone."""
    first, last = 24, 0
    for resource in resources:
        if not resource.rules.windows:
            continue
        for part in available_periods(resource.rules, span):
            first = min(first, part.start.astimezone(tz).hour)
            last = max(last, 24 if part.end == span.end else _ceil_hour(part.end.astimezone(tz)))
    return (first, last) if first < last else DEFAULT_HOURS


def _timeline_cell(resource: TimelineResource, free: FreeTime, column: TimelineColumn,
                   view: View, now: datetime, *, is_first: bool,
                   opening_all: Sequence[Interval]) -> TimelineCell:
    """One resource at one hour or day: free (with a proposal), busy, closed or past."""
    rules, period = resource.rules, column.period
    opening = _clipped(opening_all, period)
    cell = TimelineCell("closed")
    closures = [c for c in rules.closures if c.period.overlaps(period)]
    cell.closures = [c.reason for c in closures]
    cell.pieces = [Piece("closure" if any(c.period.overlaps(part) for c in closures)
                         else "closed", *_percent(part, period))
                   for part in subtract(period, opening)]
    here = [b for b in resource.bookings if b.touches(period)]
    # Named where it starts, or in the first column when it started earlier.
    cell.bookings = [b for b in here if period.start <= b.start or is_first]
    if rules.capacity > 1:
        cell.pieces += _usage_pieces(here, period, rules.capacity)
    else:
        cell.pieces += [Piece("own" if b.is_own else "pending" if b.is_pending else "busy",
                              *_percent(b.period.intersection(period), period), b) for b in here]
    cell.proposal = free.proposal_within(period)
    if view is not View.DAY:  # the week's cells sum up their day; an hour's need not
        cell.free_minutes = free.free_minutes(period)
        cell.free_slots = free.slots_in(period) if free.slot_based else None
    if rules.capacity > 1 and opening:
        if view is View.DAY and cell.proposal is not None:
            cell.places_left = cell.proposal.places_left
        else:
            cell.places_left = min(places_left(rules, part, resource.occupying)
                                   for part in opening)
    if cell.proposal is not None:
        cell.state = "free"
    elif opening and period.end <= now:
        cell.state = "past"
    elif opening:
        cell.not_yet = not_yet(rules, opening, now,
                               free.first_start_from(earliest_start(rules, now)))
        cell.state = "busy" if cell.not_yet is None else "not-yet"
    return cell


def _clipped(merged: Sequence[Interval], period: Interval) -> list[Interval]:
    """intersect(merged, [period]) for intervals already merged (sorted, disjoint): the parts
    inside *period*, without merging and sorting the row's opening again for every cell."""
    return [part for interval in merged if (part := interval.intersection(period))]


def _usage_pieces(bookings: Sequence[BookingRecord], period: Interval,
                  capacity: int) -> list[Piece]:
    """How full a resource with places is across a cell: a gauge, not one bar per booking."""
    usage = Usage.of((Occupancy(b.period, b.quantity) for b in bookings), period)
    pieces = [Piece("usage", *_percent(piece.period, period), fill=min(piece.used / capacity, 1))
              for piece in usage.pieces if piece.used]
    pieces += [Piece("own-line", *_percent(b.period.intersection(period), period), b)
               for b in bookings if b.is_own]
    return pieces


def _label(cells: list[TimelineCell], columns: Sequence[TimelineColumn]) -> None:
    """Name each booking once, where it starts, unless an earlier name already covers it."""
    last: BookingRecord | None = None
    for i, cell in enumerate(cells):
        for booking in cell.bookings:
            if last is not None and last.period.overlaps(booking.period):
                continue
            cell.labels.append((booking, _columns_covered(booking, columns[i:])))
            last = booking


def _columns_covered(booking: BookingRecord, columns: Sequence[TimelineColumn]) -> int:
    covered = 0
    for column in columns:
        if not booking.touches(column.period):
            break
        covered += 1
    return max(covered, 1)


def _percent(part: Interval, whole: Interval) -> tuple[float, float]:
    left = (part.start - whole.start) / whole.duration * 100
    return round(left, 2), round(part.duration / whole.duration * 100, 2)
