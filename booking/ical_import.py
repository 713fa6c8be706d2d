"""Closures from an .ics file: a school's holidays as (start, end, reason), all or nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
from flask_babel import gettext as _

from booking import limits
from booking.exceptions import InvalidInput
from booking.ical import one_line, zone_of

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_EVENTS = 500
_MAX_DAYS = 366 * 200  # longer than anything that ends inside the accepted years
_UNFOLD = re.compile(r"\r?\n[ \t]")
_LINES = re.compile(r"\r\n|\r|\n")
_DURATION = re.compile(
    r"([+-]?)P(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,12})H)?(?:(\d{1,12})M)?(?:(\d{1,12})S)?)?",
    re.IGNORECASE)


def parse_closures(data: bytes, zone: str, *, now: datetime
                   ) -> list[tuple[datetime, datetime, str]]:
    """Every VEVENT of an .ics file as a (start, end, reason) closure in *zone*; all or nothing.

    All-day events close the resource from local midnight to midnight (DTEND exclusive; an
    end equal to the start is one day); times without a zone are the resource's wall-clock
    times. Cancelled and transparent (free) events are skipped. Anything unreadable raises
    InvalidInput naming the problem.
    """
    text = _text_of(data)
    durations = _scan(text)
    events = _read_events(text)
    if len(durations) != len(events):  # a file icalendar read differently: no raw values
        durations = [None] * len(events)
    tz = zone_of(zone)
    closures = []
    for number, (event, duration) in enumerate(zip(events, durations), start=1):
        label = one_line(_text(event.get("SUMMARY"))) or _("event %(n)d", n=number)
        if _text(event.get("STATUS")).upper() == "CANCELLED" or \
                _text(event.get("TRANSP")).upper() == "TRANSPARENT":
            continue
        if any(event.get(p) is not None for p in ("RRULE", "RDATE", "RECURRENCE-ID")):
            _refuse(_("“%(event)s” repeats (RRULE/RDATE). Repeating events are not imported: "
                      "export each holiday as its own event.", event=label))
        start, end = _event_span(event, duration, tz, label, now)
        closures.append((start, end, label[:limits.CLOSURE_REASON_LENGTH]))
    if not closures:
        _refuse(_("The file has no events that could become closures."))
    return closures


def _text_of(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        _refuse(_("The file is larger than %(n)d KB.", n=MAX_IMPORT_BYTES // 1024))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refuse(_("This is not an iCalendar (.ics) file."))


def _scan(text: str) -> list[str | None]:
    """The DURATION text of each VEVENT, in order, read before the file is parsed.

    Counting the events first refuses a file of 10,000 of them in milliseconds rather than
    after parsing it all. And icalendar gives a DURATION as a timedelta, which forgets
    whether "P1D" (a nominal day: the same time tomorrow) or "PT24H" (exact hours) was meant.
    """
    durations: list[str | None] = []
    open_components: list[str] = []
    for line in _LINES.split(_UNFOLD.sub("", text)):
        name, _sep, value = line.partition(":")
        name = name.split(";", 1)[0].strip().upper()
        if name == "BEGIN":
            open_components.append(value.strip().upper())
            if open_components[-1] == "VEVENT":
                durations.append(None)
        elif name == "END" and open_components:
            open_components.pop()
        elif name == "DURATION" and open_components[-1:] == ["VEVENT"]:
            durations[-1] = value.strip()
    if len(durations) > MAX_IMPORT_EVENTS:
        _too_many(len(durations))
    return durations


def _read_events(text: str) -> list[icalendar.Event]:
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, IndexError, KeyError, TypeError):
        calendars = []
    if not calendars or any(c.name != "VCALENDAR" for c in calendars):
        _refuse(_("This is not an iCalendar (.ics) file."))
    events = [e for c in calendars for e in c.walk("VEVENT")]
    if not events:
        _refuse(_("The file contains no events."))
    if len(events) > MAX_IMPORT_EVENTS:
        _too_many(len(events))
    return events


def _too_many(count: int) -> None:
    _refuse(_("The file has %(n)d events; at most %(max)d can be imported at once.",
              n=count, max=MAX_IMPORT_EVENTS))


def _event_span(event: icalendar.Event, duration: str | None, tz: ZoneInfo, label: str,
                now: datetime) -> tuple[datetime, datetime]:
    """The event's [start, end) in UTC, or InvalidInput if it has none or a broken one.

    Closures lie where bookings may (limits.is_bookable_moment): nothing later could clash.
    """
    if getattr(event, "errors", None):
        _refuse(_("“%(event)s” has a value that cannot be read.", event=label))
    start = _single_time(event, "DTSTART")
    if start is None:
        _refuse(_("“%(event)s” has no start (DTSTART).", event=label))
    for name in ("DTSTART", "DTEND"):
        _refuse_unknown_zone(event, name, label)
    outside = _("“%(event)s” is outside the years this app accepts (%(first)d to %(last)d).",
                event=label, first=limits.FIRST_YEAR,
                last=limits.latest_booking_moment(now).year)
    try:
        begins = _as_utc(start, tz)
        if not limits.is_bookable_moment(begins, now):
            _refuse(outside)
        ends = _end(event, start, duration, tz, label)
    except OverflowError:
        _refuse(outside)
    if ends < begins:
        _refuse(_("“%(event)s” ends before it starts.", event=label))
    if ends == begins:
        _refuse(_("“%(event)s” ends when it starts.", event=label))
    if not limits.is_bookable_moment(ends, now):
        _refuse(outside)
    return begins, ends


def _end(event: icalendar.Event, start: date, duration: str | None, tz: ZoneInfo,
         label: str) -> datetime:
    """Where the event ends: its DTEND, its DURATION after the start, or one day."""
    timed = isinstance(start, datetime)
    end = _single_time(event, "DTEND")
    if end is not None:
        if isinstance(end, datetime) != timed:
            _refuse(_("“%(event)s” has no usable end (DTEND).", event=label))
        if not timed and end == start:
            end = start + timedelta(days=1)  # exporters that mean "this one day"
        return _as_utc(end, tz)
    days, seconds = _duration_parts(event, duration, label)
    if days is None:
        if timed:
            _refuse(_("“%(event)s” has no usable end (DTEND).", event=label))
        days = 1  # RFC 5545 §3.6.1: an all-day DTSTART alone is one day
    if not timed:
        if seconds:
            _refuse(_("“%(event)s” has no usable end (DTEND).", event=label))
        return _as_utc(start + timedelta(days=days), tz)
    local = start if start.utcoffset() is not None else start.replace(tzinfo=tz)
    # RFC 5545 §3.3.6: the days first, as wall-clock days; then the exact hours and minutes.
    return (local + timedelta(days=days)).astimezone(timezone.utc) + timedelta(seconds=seconds)


def _duration_parts(event: icalendar.Event, duration: str | None, label: str
                    ) -> tuple[int | None, int]:
    """(nominal days, exact seconds) of the DURATION, negative if it is; (None, 0) if none."""
    if duration is None:
        value = getattr(event.get("DURATION"), "dt", None)
        if not isinstance(value, timedelta):
            return None, 0
        return 0, int(value.total_seconds())  # no text to tell days from hours: all exact
    found = _DURATION.fullmatch(duration)
    if found is None or not any(found.groups()[1:]):
        _refuse(_("“%(event)s” has a value that cannot be read.", event=label))
    sign, weeks, days, hours, minutes, seconds = found.groups()
    whole_days = 7 * int(weeks or 0) + int(days or 0)
    exact = 3600 * int(hours or 0) + 60 * int(minutes or 0) + int(seconds or 0)
    if whole_days + exact // 86400 > _MAX_DAYS:
        raise OverflowError(duration)  # what datetime would raise, before it takes the time
    factor = -1 if sign == "-" else 1
    return factor * whole_days, factor * exact


def _refuse_unknown_zone(event: icalendar.Event, name: str, label: str) -> None:
    """A TZID that neither the file defines nor anyone knows leaves icalendar a floating time.

    Reading it as the resource's wall clock would move the closure without a word.
    """
    value = event.get(name)
    moment = getattr(value, "dt", None)
    tzid = getattr(value, "params", {}).get("TZID")
    if tzid and isinstance(moment, datetime) and moment.tzinfo is None:
        _refuse(_("“%(event)s” uses the time zone “%(zone)s”, which the file does not define "
                  "(no VTIMEZONE) and which is not a known zone name.",
                  event=label, zone=one_line(tzid)[:100]))


def _single_time(event: icalendar.Event, name: str) -> date | None:
    value = event.get(name)
    if value is None:
        return None
    moment = getattr(value, "dt", None)  # a list when the property repeats
    if not isinstance(moment, date):
        return None
    return moment


def _as_utc(moment: date, tz: ZoneInfo) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0))
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)  # floating and all-day: the resource's wall clock
    return moment.astimezone(timezone.utc)


def _text(value) -> str:
    if value is None or isinstance(value, list):
        return ""
    return str(value)


def _refuse(message: str) -> None:
    raise InvalidInput({"file": message})
