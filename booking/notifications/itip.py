"""Calendar invitations for mail (iTIP, RFC 5546): the feed's event, with METHOD and people.

The VEVENT is booking.ical's, so UID, SEQUENCE and the rest are exactly the feeds': a client
that has the booking from a subscription, a download or an earlier mail updates (REQUEST) or
removes (CANCEL) that same event. iTIP wants one UID per message, so each booking is its own
calendar object; a series' mail carries one attachment per date.
"""

from __future__ import annotations

from email.utils import parseaddr

import icalendar

from booking import ical
from booking.models import Booking, BookingStatus, Itip, User

METHODS = {Itip.REQUEST: "REQUEST", Itip.CANCEL: "CANCEL"}


def method_for(itip: Itip, booking: Booking) -> str | None:
    """The METHOD this booking's invitation takes now, or None when it should carry none.

    A REQUEST is only sent for a booking that is still confirmed when the mail goes out (if it
    was cancelled since, the cancellation's own mail removes it); a CANCEL always goes.
    """
    if itip is Itip.REQUEST and booking.status is BookingStatus.CONFIRMED:
        return "REQUEST"
    if itip is Itip.CANCEL and booking.status in (BookingStatus.CANCELLED,
                                                  BookingStatus.REJECTED):
        return "CANCEL"
    return None


def invitation(booking: Booking, method: str, *, recipient: User, organiser: str, host: str,
               link: str | None, show_details: bool) -> bytes:
    """One booking as an iTIP calendar object with *method*, addressed to *recipient*."""
    event = ical.booking_event(booking, host=host, url=link, show_details=show_details)
    name, address = parseaddr(organiser)
    event.add("organizer", f"mailto:{address}",
              parameters={"CN": ical.one_line(name or address)})
    event.add("attendee", f"mailto:{recipient.email}",
              parameters={"CN": ical.one_line(recipient.name), "ROLE": "REQ-PARTICIPANT",
                          "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"})
    zone = booking.resource.timezone
    cal = icalendar.Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    first = booking.start_at.year - 1 if booking.start_at.month == 1 else booking.start_at.year
    last = booking.end_at.year + 1 if booking.end_at.month == 12 else booking.end_at.year
    for component in ical.time_zones(zone, {zone}, first, last):
        cal.add_component(component)
    return ical.with_events(cal, [event.to_ical()])
