"""VTIMEZONE blocks written from zoneinfo: exact for every change of a zone's clocks they cover.

Calendar programs that take a zone's rules from the file (Thunderbird's ical.js, vobject) must
place every event where zoneinfo does. So each change is written as RFC 5545 §3.6.5 asks, with
its DTSTART in the local time before the change (the TZOFFSETFROM time: 02:00, not 03:00, for a
spring change in Berlin), and in a form every parser reads in full: a yearly RRULE where it
gives exactly zoneinfo's changes over the years covered, else one observance per change. Never
a comma-separated RDATE: ical.js and vobject read only its first value. docs/calendar-feeds.md
says more.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

# Clocks in zoneinfo's data for the years we write never change twice within this step; each
# change found is then pinned to the second by bisection.
_STEP = timedelta(hours=6)
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Change:
    """One change of a zone's clocks: when, from which offset, to which offset and name."""

    at: datetime  # the UTC instant
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool

    @property
    def local(self) -> datetime:
        """The onset as RFC 5545 writes it: wall-clock time in the offset before the change."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple:
        return self.offset_from, self.offset_to, self.name, self.dst


@dataclass(frozen=True)
class Observance:
    """A STANDARD or DAYLIGHT block: its first onset, and the yearly rule that repeats it."""

    first: Change
    byday: str | None = None  # "-1SU": the rule is FREQ=YEARLY in first.local's month
    until: datetime | None = None  # the last onset, UTC; None when it runs to the end


def vtimezone(tzid: str, zone: ZoneInfo, first_year: int, last_year: int) -> icalendar.Timezone:
    """The zone as a VTIMEZONE named *tzid*, right from 1 January *first_year* to the end of
    *last_year* (local time)."""
    component = icalendar.Timezone()
    component.add("tzid", tzid)
    for observance in observances(zone, first_year, last_year):
        component.add_component(_component(observance))
    return component


@lru_cache(maxsize=512)
def observances(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[Observance, ...]:
    """The blocks for the years, by first onset; the first one states the offset in force on
    1 January *first_year*, so every instant covered has exactly one block before it."""
    start, end = _new_year(zone, first_year), _new_year(zone, last_year + 1)
    offset, name, dst = _state(zone, start)
    found = [Observance(Change(start, offset, offset, name, dst))]
    groups: dict[tuple, list[Change]] = {}
    for change in changes(zone, start, end):
        groups.setdefault(change.kind, []).append(change)
    for group in groups.values():
        found += _as_rule(group, last_year) or [Observance(c) for c in group]
    return tuple(sorted(found, key=lambda o: o.first.at))


def changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[Change]:
    """Every change of offset, name or daylight saving in (start, end), to the second."""
    found = []
    moment, state = start, _state(zone, start)
    while moment < end:
        ahead = min(moment + _STEP, end)
        if _state(zone, ahead) == state:
            moment = ahead
            continue
        moment = _first_different(zone, moment, ahead, state)
        after = _state(zone, moment)
        found.append(Change(moment, state[0], *after))
        state = after
    return found


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, str, bool]:
    local = moment.astimezone(zone)
    return local.utcoffset(), local.tzname() or "", local.dst() > timedelta(0)


def _first_different(zone: ZoneInfo, low: datetime, high: datetime, state: tuple) -> datetime:
    """The first whole second in (low, high] whose state differs; zoneinfo changes on seconds."""
    low_s, high_s = int(low.timestamp()), int(high.timestamp())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if _state(zone, datetime.fromtimestamp(middle, timezone.utc)) == state:
            low_s = middle
        else:
            high_s = middle
    return datetime.fromtimestamp(high_s, timezone.utc)


def _new_year(zone: ZoneInfo, year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=zone).astimezone(timezone.utc)


def _as_rule(group: list[Change], last_year: int) -> list[Observance] | None:
    """One block with a yearly RRULE, if one gives exactly these changes, else None.

    The rule must hit every year from the first change on: to the end of the years covered
    (no UNTIL), or until the last change when the zone stops changing this way.
    """
    if len(group) < 2:
        return None
    first = group[0].local
    for byday in _weekday_rules(first):
        onsets = [_onset(year, first, byday) for year in range(first.year, last_year + 1)]
        locals_ = [c.local for c in group]
        if locals_ == onsets:
            return [Observance(group[0], byday)]
        if locals_ == onsets[:len(group)]:
            return [Observance(group[0], byday, until=group[-1].at)]
    return None


def _weekday_rules(moment: datetime) -> list[str]:
    """BYDAY values that name this date in its month: "2SU" (second Sunday), "-1SU" (last)."""
    day = _DAYS[moment.weekday()]
    rules = []
    if moment.day + 7 > calendar.monthrange(moment.year, moment.month)[1]:
        rules.append(f"-1{day}")
    if (nth := (moment.day - 1) // 7 + 1) <= 4:
        rules.append(f"{nth}{day}")
    return rules


def _onset(year: int, first: datetime, byday: str) -> datetime:
    """Where the rule *byday* puts the change in *year*: same month and wall-clock time."""
    nth, weekday = int(byday[:-2]), _DAYS.index(byday[-2:])
    days = [d for d in calendar.Calendar().itermonthdates(year, first.month)
            if d.month == first.month and d.weekday() == weekday]
    return datetime.combine(days[nth - 1 if nth > 0 else nth], first.time())


def _component(observance: Observance) -> icalendar.Component:
    change = observance.first
    block = icalendar.TimezoneDaylight() if change.dst else icalendar.TimezoneStandard()
    block.add("dtstart", change.local)
    if observance.byday:
        rule = {"freq": "yearly", "bymonth": change.local.month, "byday": observance.byday}
        if observance.until:
            rule["until"] = observance.until
        block.add("rrule", rule)
    if change.name:
        block.add("tzname", change.name)
    block.add("tzoffsetfrom", change.offset_from)
    block.add("tzoffsetto", change.offset_to)
    return block
