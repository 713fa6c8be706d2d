"""Bookings as iCalendar (RFC 5545 + RFC 7986): subscription feeds and one-booking files.

Pure serialisation: no request, no database, no clock (the optional EventCache only remembers
bytes this module produced). Everything that depends on configuration or the caller (the
domain in UIDs, links back, what the feed's viewer may see, the window the time-zone blocks
cover) is passed in, and every time in the output comes from the bookings themselves, so
unchanged bookings give byte-identical output and a stable ETag. See docs/calendar-feeds.md for
the client checklist this follows; booking.ical_import reads closures back from .ics files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from flask_babel import gettext as _
from icalendar.timezone.tzid import tzid_from_tzinfo

from booking.lru import LruCache
from booking.models import Booking, BookingStatus
from booking.vtimezone import vtimezone

PRODID = "-//Consortium booking//Resource booking 1.0//EN"
#: Raise when the same bookings come out differently, so that feeds' Last-Modified moves
#: (services.feed_state) and clients sending only If-Modified-Since fetch them again.
OUTPUT_VERSION = 2
REFRESH_INTERVAL = timedelta(hours=1)

# Control characters (TAB and LF are handled before) and lone surrogates, which a JSON client
# can send and which no UTF-8 encoder accepts.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")

_STATUS = {BookingStatus.PENDING: "TENTATIVE", BookingStatus.CONFIRMED: "CONFIRMED",
           BookingStatus.CANCELLED: "CANCELLED", BookingStatus.REJECTED: "CANCELLED"}

LinkFor = Callable[[Booking], "str | None"]
DetailsFor = Callable[[Booking], bool]
_END = b"END:VCALENDAR\r\n"


class EventCache(LruCache[tuple, bytes]):
    """Rendered VEVENTs by everything that goes into them, least recently used dropped first.

    icalendar needs about a millisecond per event (its folding walks every character), so a
    10,000-booking feed takes seconds to render from scratch; with this cache only the
    bookings that changed since the last render are serialised again.
    """


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
                 show_details: DetailsFor, zone: str, window: tuple[datetime, datetime],
                 cache: EventCache | None = None, locale: str = "") -> bytes:
    """A subscription feed: every booking one VEVENT, with calendar name and refresh hints.

    Occurrences of a recurring series are separate Booking rows and are emitted one VEVENT
    each, with their own UID; no RRULE is needed (docs/calendar-feeds.md). *window* is the
    span the feed shows, which its VTIMEZONEs cover. *locale* is the language the caller
    forced for gettext; it only keys the cache.
    """
    events, zones, spans, words = [], set(), [window], phrases()
    for booking in bookings:
        details = show_details(booking)
        url = link(booking) if details else None
        events.append(_event_bytes(booking, host, url, details, cache, locale, words))
        zones.add(booking.resource.timezone)
        spans.append((booking.start_at, booking.end_at))
    cal = _calendar(name=name, home=zone, zones=zones, spans=spans)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    # A hint for clients that show the calendar's home zone; every time still carries a TZID.
    cal.add("x-wr-timezone", icalendar.vText(zone_of(zone).key))
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
    zone = booking.resource.timezone
    cal = _calendar(name=booking.resource.name, home=zone, zones={zone},
                    spans=[(booking.start_at, booking.end_at)])
    return with_events(cal, [event.to_ical()])


def _calendar(*, name: str, home: str, zones: set[str],
              spans: list[tuple[datetime, datetime]]) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # NAME is not a known TEXT property to icalendar, so it would not be escaped on its own.
    cal.add("name", icalendar.vText(one_line(name)))
    cal.add("x-wr-calname", icalendar.vText(one_line(name)))
    # A day either side: the local date of a UTC instant can be in the year before or after.
    first = min(start for start, _end in spans) - timedelta(days=1)
    last = max(end for _start, end in spans) + timedelta(days=1)
    for component in time_zones(home, zones, first.year, last.year):
        cal.add_component(component)
    return cal


def time_zones(home: str, zones: set[str], first_year: int, last_year: int
               ) -> list[icalendar.Timezone]:
    """A VTIMEZONE, by TZID, for every zone the events name and for the calendar's own one.

    The calendar's own zone has its block even when no event needs it (UTC included), so an
    empty feed still has the component RFC 5545 requires. Events in a UTC zone are written
    with "Z" and need none. Each block is exact from 1 January *first_year* to the end of
    *last_year* (booking.vtimezone).
    """
    named = {_tzid(zone_of(z)): zone_of(z) for z in zones}
    named.pop("UTC", None)
    named[_tzid(zone_of(home))] = zone_of(home)
    return [vtimezone(tzid, named[tzid], first_year, last_year) for tzid in sorted(named)]


def _tzid(zone: ZoneInfo) -> str:
    """The TZID icalendar writes for times in *zone* ("UTC" for every name of UTC)."""
    return tzid_from_tzinfo(zone) or zone.key


def _event_bytes(booking: Booking, host: str, url: str | None, show_details: bool,
                 cache: EventCache | None, locale: str, words: dict[str, str]) -> bytes:
    if cache is None:
        return booking_event(booking, host=host, url=url, show_details=show_details,
                             words=words).to_ical()
    resource = booking.resource
    # Every value the event is made of, so a stale event can never be served.
    key = (booking.id, booking.uid, booking.updated_at, booking.created_at, booking.sequence,
           booking.status, booking.start_at, booking.end_at, booking.title, booking.quantity,
           resource.name, resource.location, resource.timezone, resource.calendar_changed_at,
           show_details, host, url, locale)
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
    zone = zone_of(resource.timezone)
    event = icalendar.Event()
    revised = revised_at(booking)
    event.add("uid", f"booking-{booking.uid}@{host}")
    event.add("dtstamp", revised)
    start, end = _period(booking.start_at, booking.end_at, zone)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("created", booking.created_at)
    event.add("last-modified", revised)
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


def revised_at(booking: Booking) -> datetime:
    """When the event last changed: the booking, or its resource's name, place or zone."""
    renamed = booking.resource.calendar_changed_at
    return booking.updated_at if renamed is None else max(booking.updated_at, renamed)


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


def zone_of(name: str | None) -> ZoneInfo:
    """The resource's zone; an unknown name (never stored by the app) falls back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
