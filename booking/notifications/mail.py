"""One notification row as an e-mail, rendered when it is sent (never in the booking's
transaction): in the recipient's language, times in the resource's zone with the zone named,
the purpose only for those who may see it, and calendar invitations where they belong.

The wording lives in `content()`, shared by the HTML and the plain-text templates
(templates/mail/message.html and message.txt), so both parts always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, format_datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from booking import links
from booking.db_types import utcnow
from booking.events import Action
from booking.extensions import db
from booking.messages import format_span
from booking.models import Booking, BookingStatus, Itip, Kind, MailState, Notification
from booking.notifications import itip
from booking.permissions import can_see_details
from booking.services.bookings import status_label


@dataclass
class DateLine:
    when: str
    status: str = ""


@dataclass
class Content:
    subject: str
    heading: str
    lines: list[str]
    dates: list[DateLine]
    purpose: str
    link: str
    link_text: str
    footer: str
    calendars: list[tuple[str, bytes, str]] = field(default_factory=list)  # (file, ics, method)
    language: str = "en"


def booking_ids_of(note: Notification) -> list[int]:
    return list(note.booking_ids or ([note.booking_id] if note.booking_id else []))


def bookings_by_id(ids: set[int]) -> dict[int, Booking]:
    """The bookings with these ids (and their resources), read at once."""
    if not ids:
        return {}
    return {b.id: b for b in db.session.scalars(
        sa.select(Booking).where(Booking.id.in_(ids)).options(joinedload(Booking.resource)))}


def bookings_of(note: Notification) -> list[Booking]:
    found = bookings_by_id(set(booking_ids_of(note)))
    return [found[i] for i in booking_ids_of(note) if i in found]


def language_of(note: Notification) -> str:
    languages = current_app.config["LANGUAGES"]
    for choice in (note.user.locale, note.language):
        if choice in languages:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def sender() -> str:
    return current_app.config.get("MAIL_FROM") or formataddr(
        (_("Consortium booking"), f"booking@{links.uid_domain()}"))


def message_id(note: Notification) -> str:
    """Stable for the row: a retried delivery is recognisably the same message."""
    return f"<notification-{note.id}@{links.uid_domain()}>"


def content(note: Notification, bookings: list[Booking], *,
            calendars: bool = True) -> Content:
    """What the mail says, in the current (forced) language."""
    resource = note.resource
    zone = resource.timezone
    recipient = note.user
    actor = note.actor.name if note.actor is not None else ""
    names = {"resource": resource.name, "actor": actor}
    dates = [DateLine(f"{format_span(b.period, zone)} ({zone})",
                      "" if b.status is BookingStatus.CONFIRMED else status_label(b.status))
             for b in bookings]
    first = dates[0].when if dates else ""
    when = first if len(dates) <= 1 else ngettext(
        "%(when)s and %(num)d more date", "%(when)s and %(num)d more dates",
        len(dates) - 1, when=first)
    subjects = {
        Kind.REQUEST: _("Request to approve: %(resource)s, %(when)s"),
        Kind.APPROVED: _("Approved: %(resource)s, %(when)s"),
        Kind.REJECTED: _("Declined: %(resource)s, %(when)s"),
        Kind.CANCELLED: _("Cancelled: %(resource)s, %(when)s"),
        Kind.MOVED: _("Changed: %(resource)s, %(when)s"),
        Kind.BOOKED: _("Booked: %(resource)s, %(when)s"),
        Kind.REMINDER: _("Reminder: %(resource)s, %(when)s"),
    }
    intros = {
        Kind.REQUEST: _("%(actor)s asks to book %(resource)s. The request awaits your "
                        "decision."),
        Kind.APPROVED: _("%(actor)s approved your booking of %(resource)s."),
        Kind.REJECTED: _("%(actor)s declined your booking of %(resource)s."),
        Kind.CANCELLED: _("%(actor)s cancelled the booking of %(resource)s."),
        Kind.MOVED: _("%(actor)s changed the booking of %(resource)s."),
        Kind.BOOKED: _("%(actor)s booked %(resource)s."),
        Kind.REMINDER: _("Your booking of %(resource)s starts soon."),
    }
    expired = note.action == Action.BOOKING_EXPIRED.value
    if expired:  # nobody declined it: the intro says why, in the reader's language
        intros[Kind.REJECTED] = _("Your request for %(resource)s expired: nobody decided on it "
                                  "in the time its owner allows.")
    lines = [intros[note.kind] % names]
    if note.kind is Kind.REJECTED and note.reason and not expired:
        lines.append(_("Reason: %(reason)s") % {"reason": note.reason})
    if resource.location:
        lines.append(_("Where: %(location)s") % {"location": resource.location})
    visible = bool(bookings) and can_see_details(recipient, bookings[0])
    purpose = bookings[0].title if visible and bookings[0].title else ""
    if note.kind is Kind.REQUEST:
        link, link_text = links.public_url("bookings.approvals"), _("Open the requests")
    elif note.series_id is not None and len(bookings) > 1:
        link = links.public_url("series.detail", series_id=note.series_id)
        link_text = _("Open the series")
    elif bookings:
        link = links.public_url("bookings.detail", booking_id=bookings[0].id)
        link_text = _("Open the booking")
    else:
        link, link_text = links.public_url("inbox.index"), _("Open your inbox")
    footer = _("You get this mail because of your account at %(site)s. Choose which mails "
               "you get: %(url)s") % {"site": links.public_address(),
                                      "url": links.public_url("inbox.settings")}
    subject = subjects[note.kind] % {**names, "when": when}
    return Content(subject=" ".join(subject.split()), heading=subject, lines=lines,
                   dates=dates, purpose=purpose, link=link, link_text=link_text,
                   footer=footer,
                   calendars=_calendars(note, bookings, visible) if calendars else [])


def _calendars(note: Notification, bookings: list[Booking], visible: bool
               ) -> list[tuple[str, bytes, str]]:
    host, organiser = links.uid_domain(), sender()
    invited = _invited(note, bookings) if note.kind in (Kind.REJECTED, Kind.CANCELLED) \
        and note.itip is Itip.NONE else set()
    found = []
    for booking in bookings:
        method = itip.method_for(Itip.CANCEL if booking.id in invited else note.itip, booking)
        if method is None:
            continue
        link = links.public_url("bookings.detail", booking_id=booking.id) if visible else None
        body = itip.invitation(booking, method, recipient=note.user, organiser=organiser,
                               host=host, link=link, show_details=visible)
        name = f"booking-{booking.start_at.astimezone(_zone(booking)):%Y-%m-%d-%H%M}.ics"
        found.append((name, body, method))
    return found


def _invited(note: Notification, bookings: list[Booking]) -> set[int]:
    """Bookings an earlier mail to this person put in their calendar (a REQUEST was sent).

    A booking confirmed, then re-timed by its booker (pending again), then rejected or
    cancelled was in their calendar although the change itself saw only "pending": it is
    removed too. Looked up here, at delivery, so the booking's transaction stays cheap.
    """
    ids = {b.id for b in bookings}
    about = Notification.booking_id.in_(ids)
    if note.series_id is not None:
        about = sa.or_(about, Notification.series_id == note.series_id)
    earlier = db.session.scalars(sa.select(Notification.booking_ids).where(
        Notification.user_id == note.user_id, Notification.id < note.id,
        Notification.itip == Itip.REQUEST, Notification.mail_state == MailState.SENT, about))
    return ids & {i for booking_ids in earlier for i in (booking_ids or ())}


def _zone(booking: Booking):
    from booking.ical import zone_of
    return zone_of(booking.resource.timezone)


def render(note: Notification, bookings: list[Booking] | None = None) -> EmailMessage:
    """The whole message for *note*: text and HTML from one wording, invitations attached."""
    bookings = sorted(bookings_of(note) if bookings is None else bookings,
                      key=lambda b: b.start_at)
    language = language_of(note)
    with force_locale(language):
        body = content(note, bookings)
        body.language = language
        # The templates alone, without the pages' context processors (menu, counts).
        env = current_app.jinja_env
        text = env.get_template("mail/message.txt").render(c=body)
        html = env.get_template("mail/message.html").render(c=body)
        from_address = sender()
    message = EmailMessage()
    message["Subject"] = body.subject
    message["From"] = from_address
    message["To"] = formataddr((note.user.name, note.user.email))
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(note)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if len(body.calendars) == 1:
        # Outlook, Apple Mail and Thunderbird act on the text/calendar alternative.
        _name, ics, method = body.calendars[0]
        message.add_alternative(ics, maintype="text", subtype="calendar",
                                params={"method": method, "charset": "utf-8"})
    for name, ics, method in body.calendars:
        message.add_attachment(ics, maintype="application", subtype="ics", filename=name)
    message["Content-Language"] = language  # after the parts: set_content drops Content-*
    return message
