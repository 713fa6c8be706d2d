"""Bookings as iCalendar (RFC 5545 + RFC 7986), and closures read back from an .ics file.

Pure serialisation: no request, no database, no clock (the optional EventCache only remembers
bytes this module produced). Everything that depends on the request
(the host in UIDs, links back, what the feed's viewer may see) is passed in, and every time in
the output comes from the bookings themselves, so unchanged bookings give byte-identical output
and a stable ETag. See docs/calendar-feeds.md for the client checklist this follows.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from flask_babel import gettext as _

from booking.exceptions import InvalidInput
from booking.models import Booking, BookingStatus
from booking.scheduling import Interval

PRODID = "-//Consortium booking//Resource booking 1.0//EN"
REFRESH_INTERVAL = timedelta(hours=1)
# Years covered by generated VTIMEZONEs beyond the last event, so clients that extend the
# last rule still see the right offsets.
_ZONE_MARGIN_YEARS = 2

# Control characters (TAB and LF are handled before) and lone surrogates, which a JSON client
# can send and which no UTF-8 encoder accepts.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")

_STATUS = {BookingStatus.PENDING: "TENTATIVE", BookingStatus.CONFIRMED: "CONFIRMED",
           BookingStatus.CANCELLED: "CANCELLED", BookingStatus.REJECTED: "CANCELLED"}

LinkFor = Callable[[Booking], "str | None"]
DetailsFor = Callable[[Booking], bool]
_END = b"END:VCALENDAR\r\n"


class EventCache:
    """Rendered VEVENTs by everything that goes into them, least recently used dropped first.

    icalendar needs about a millisecond per event (its folding walks every character), so a
    10,000-booking feed takes seconds to render from scratch; with this cache only the
    bookings that changed since the last render are serialised again.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._events: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()  # threaded servers share one cache per process

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            event = self._events.get(key)
            if event is not None:
                self._events.move_to_end(key)
            return event

    def put(self, key: tuple, event: bytes) -> None:
        with self._lock:
            self._events[key] = event
            if len(self._events) > self.size:
                self._events.popitem(last=False)

    def __len__(self) -> int:
        return len(self._events)


def clean_text(text: str | None) -> str:
    """User text made safe for a TEXT property: no control characters, LF as the only break."""
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    return _CONTROL.sub("", text).strip()


def one_line(text: str | None) -> str:
    """User text for a one-line property such as SUMMARY."""
    return " ".join(clean_text(text).split())


def feed_to_ical(bookings: Iterable[Booking], *, name: str, host: str, link: LinkFor,
                 show_details: DetailsFor, zone: str, cache: EventCache | None = None,
                 locale: str = "") -> bytes:
    """A subscription feed: every booking one VEVENT, with calendar name and refresh hints.

    Occurrences of a recurring series are separate Booking rows and are emitted one VEVENT
    each, with their own UID; no RRULE is needed (docs/calendar-feeds.md). *locale* is the
    language the caller forced for gettext; it only keys the cache.
    """
    events, zones, years, words = [], {zone}, [], phrases()
    for booking in bookings:
        details = show_details(booking)
        url = link(booking) if details else None
        events.append(_event_bytes(booking, host, url, details, cache, locale, words))
        zones.add(booking.resource.timezone)
        years.append(booking.start_at.year)
    cal = _calendar(name=name, zones=zones, years=years)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    # A hint for clients that show the calendar's home zone; every time still carries a TZID.
    cal.add("x-wr-timezone", icalendar.vText(_zone(zone).key))
    return with_events(cal, events)


def with_events(cal: icalendar.Calendar, events: list[bytes]) -> bytes:
    """cal.to_ical() with the already serialised VEVENTs as its last components.

    Component.to_ical() writes each subcomponent as its own BEGIN..END block of folded lines,
    so this is byte for byte what adding the events to *cal* would give (tests/test_ical.py
    checks it); nothing is re-folded or re-encoded.
    """
    head = cal.to_ical()
    assert head.endswith(_END)
    return b"".join((head[:-len(_END)], *events, _END))


def booking_to_ical(booking: Booking, *, host: str, link: str | None) -> bytes:
    """One booking as a file to import (METHOD:PUBLISH; updates need the feed)."""
    event = booking_event(booking, host=host, url=link, show_details=True)
    cal = _calendar(name=booking.resource.name, zones={booking.resource.timezone},
                    years=[booking.start_at.year])
    return with_events(cal, [event.to_ical()])


def _calendar(*, name: str, zones: set[str], years: list[int]) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # NAME is not a known TEXT property to icalendar, so it would not be escaped on its own.
    cal.add("name", icalendar.vText(one_line(name)))
    cal.add("x-wr-calname", icalendar.vText(one_line(name)))
    for component in timezones(zones, years):
        cal.add_component(component)
    return cal


def timezones(zones: set[str], years: list[int]) -> list[icalendar.Timezone]:
    """A VTIMEZONE for every zone, sorted, covering the years of the events.

    Calendar.add_missing_timezones() iterates a set, so two processes could order the
    VTIMEZONEs differently and give one feed two ETags. The calendar's own zone is always
    among them, so even an empty feed has the component RFC 5545 requires.
    """
    tzids = {_zone(z).key for z in zones} - {"UTC"}
    # A year early: the local date of a UTC start can fall in the year before.
    first = date(min(years, default=2000) - 1, 1, 1)
    last = date(max(years, default=2000) + _ZONE_MARGIN_YEARS, 1, 1)
    return [icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
            for tzid in sorted(tzids)]


def _event_bytes(booking: Booking, host: str, url: str | None, show_details: bool,
                 cache: EventCache | None, locale: str, words: dict[str, str]) -> bytes:
    if cache is None:
        return booking_event(booking, host=host, url=url, show_details=show_details,
                             words=words).to_ical()
    resource = booking.resource
    # Every value the event is made of, so a stale event can never be served.
    key = (booking.id, booking.uid, booking.updated_at, booking.created_at, booking.sequence,
           booking.status, booking.start_at, booking.end_at, booking.title, booking.quantity,
           resource.name, resource.location, resource.timezone, show_details, host, url, locale)
    event = cache.get(key)
    if event is None:
        event = booking_event(booking, host=host, url=url, show_details=show_details,
                              words=words).to_ical()
        cache.put(key, event)
    return event


def booking_event(booking: Booking, *, host: str, url: str | None, show_details: bool,
                  words: dict[str, str] | None = None) -> icalendar.Event:
    """The VEVENT of one booking; UID, SEQUENCE and DTSTAMP follow it through every change."""
    resource = booking.resource
    zone = _zone(resource.timezone)
    event = icalendar.Event()
    event.add("uid", f"booking-{booking.uid}@{host}")
    event.add("dtstamp", booking.updated_at)
    start, end = _period(booking.start_at, booking.end_at, zone)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("created", booking.created_at)
    event.add("last-modified", booking.updated_at)
    event.add("sequence", booking.sequence)
    event.add("status", _STATUS[booking.status])
    ended = booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
    # A cancelled booking no longer blocks anyone's time.
    event.add("transp", "TRANSPARENT" if ended else "OPAQUE")
    purpose = clean_text(booking.title) if show_details else ""
    words = words or phrases()
    event.add("summary", _summary(booking, resource.name, purpose, show_details, words))
    location = ", ".join(p for p in (one_line(resource.name), one_line(resource.location)) if p)
    event.add("location", location)
    url = url if show_details else None
    description = _description(booking, purpose, url, words)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    return event


def _period(start_at: datetime, end_at: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """Local date-times with the resource's TZID; whole local days become all-day dates."""
    start, end = start_at.astimezone(zone), end_at.astimezone(zone)
    if start.fold or end.fold:
        # The second pass through a repeated hour (02:30 on 31 October 2027 in Berlin, after
        # the clocks went back) has the same wall-clock digits as the first, and RFC 5545
        # §3.3.5 reads such a TZID time as the first: only UTC says which one is meant.
        return start_at.astimezone(timezone.utc), end_at.astimezone(timezone.utc)
    if start.time() == time(0) and end.time() == time(0) and end.date() > start.date():
        return start.date(), end.date()  # DTEND;VALUE=DATE is exclusive, as is end_at
    return start, end


def phrases() -> dict[str, str]:
    """The feed's few words in the current language, looked up once per calendar.

    flask_babel's gettext costs tens of microseconds a call: three calls per event were a
    third of the time of rendering a large feed.
    """
    return {
        "busy": _("Busy"),
        "summary": _("%(resource)s: %(purpose)s"),
        BookingStatus.CANCELLED: _("Cancelled: %(summary)s"),
        BookingStatus.REJECTED: _("Declined: %(summary)s"),
        BookingStatus.PENDING: _("Pending: %(summary)s"),
        "awaiting": _("Awaiting approval by the resource's organisation."),
        "places": _("Places: %(n)d"),
        "details": _("Details: %(url)s"),
    }


def _summary(booking: Booking, resource_name: str, purpose: str, show_details: bool,
             words: dict[str, str]) -> str:
    summary = one_line(resource_name)
    if not show_details:
        summary = words["busy"]
    elif purpose:
        summary = words["summary"] % {"resource": summary, "purpose": one_line(purpose)}
    if booking.status is BookingStatus.CONFIRMED:
        return summary
    return words[booking.status] % {"summary": summary}


def _description(booking: Booking, purpose: str, url: str | None,
                 words: dict[str, str]) -> str:
    lines = [purpose] if purpose else []
    if booking.status is BookingStatus.PENDING:
        lines.append(words["awaiting"])
    if booking.quantity > 1:
        lines.append(words["places"] % {"n": booking.quantity})
    if url:
        lines.append(words["details"] % {"url": url})
    return "\n\n".join(lines)


def _zone(name: str | None) -> ZoneInfo:
    """The resource's zone; an unknown name (never stored by the app) falls back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- Import: an .ics file of holidays becomes closures ------------------------------------

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
    tz = _zone(zone)
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
