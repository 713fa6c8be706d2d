"""Closures from an .ics file: a school's holidays as (start, end, reason), all or nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
from flask_babel import gettext as _

from booking.exceptions import InvalidInput
from booking.ical import one_line, zone_of
from booking.scheduling import Interval

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_EVENTS = 500
MAX_REASON_LENGTH = 300
_EARLIEST_IMPORT = datetime(2000, 1, 1, tzinfo=timezone.utc)
_IMPORT_YEARS_AHEAD = 10


def parse_closures(data: bytes, zone: str, *, now: datetime
                   ) -> list[tuple[datetime, datetime, str]]:
    """Every VEVENT of an .ics file as a (start, end, reason) closure in *zone*; all or nothing.

    All-day events close the resource from local midnight to midnight (DTEND exclusive);
    times without a zone are the resource's wall-clock times. Cancelled and transparent
    (free) events are skipped. Anything unreadable raises InvalidInput naming the problem.
    """
    events = _read_events(data)
    tz = zone_of(zone)
    latest = now + timedelta(days=365 * _IMPORT_YEARS_AHEAD)
    closures = []
    for number, event in enumerate(events, start=1):
        label = one_line(_text(event.get("SUMMARY"))) or _("event %(n)d", n=number)
        if _text(event.get("STATUS")).upper() == "CANCELLED" or \
                _text(event.get("TRANSP")).upper() == "TRANSPARENT":
            continue
        if any(event.get(p) is not None for p in ("RRULE", "RDATE", "RECURRENCE-ID")):
            _refuse(_("“%(event)s” repeats (RRULE/RDATE). Repeating events are not imported: "
                      "export each holiday as its own event.", event=label))
        start, end = _event_span(event, tz, label)
        if not (_EARLIEST_IMPORT <= start and end <= latest):
            _refuse(_("“%(event)s” is outside the years this app accepts (2000 to %(year)d).",
                      event=label, year=latest.year))
        closures.append((start, end, label[:MAX_REASON_LENGTH]))
    if not closures:
        _refuse(_("The file has no events that could become closures."))
    return closures


def _read_events(data: bytes) -> list[icalendar.Event]:
    if len(data) > MAX_IMPORT_BYTES:
        _refuse(_("The file is larger than %(n)d KB.", n=MAX_IMPORT_BYTES // 1024))
    try:
        text = data.decode("utf-8-sig")
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, UnicodeDecodeError, IndexError, KeyError, TypeError):
        calendars = []
    if not calendars or any(c.name != "VCALENDAR" for c in calendars):
        _refuse(_("This is not an iCalendar (.ics) file."))
    events = [e for c in calendars for e in c.walk("VEVENT")]
    if not events:
        _refuse(_("The file contains no events."))
    if len(events) > MAX_IMPORT_EVENTS:
        _refuse(_("The file has %(n)d events; at most %(max)d can be imported at once.",
                  n=len(events), max=MAX_IMPORT_EVENTS))
    return events


def _event_span(event: icalendar.Event, tz: ZoneInfo, label: str) -> tuple[datetime, datetime]:
    """The event's [start, end) in UTC, or InvalidInput if it has none or a broken one."""
    if getattr(event, "errors", None):
        _refuse(_("“%(event)s” has a value that cannot be read.", event=label))
    start = _single_time(event, "DTSTART")
    if start is None:
        _refuse(_("“%(event)s” has no start (DTSTART).", event=label))
    end = _single_time(event, "DTEND")
    duration = event.get("DURATION")
    if end is None and isinstance(getattr(duration, "dt", None), timedelta):
        end = start + duration.dt
    elif end is None and not isinstance(start, datetime):
        end = start + timedelta(days=1)  # RFC 5545: an all-day DTSTART alone is one day
    if end is None or isinstance(start, datetime) != isinstance(end, datetime):
        _refuse(_("“%(event)s” has no usable end (DTEND).", event=label))
    try:
        span = Interval(_as_utc(start, tz), _as_utc(end, tz))
    except (ValueError, OverflowError):
        _refuse(_("“%(event)s” ends before it starts.", event=label))
    return span.start, span.end


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
