"""Sentences for the scheduling core's reason codes, in the person's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from booking import scheduling
from booking.scheduling import Breach, Interval, Reason


def format_day(moment: datetime, zone: str, skeleton: str = "yMMMEd") -> str:
    """The local date of *moment* from the reader's locale data ("Wed, Dec 2, 2026")."""
    return format_skeleton(skeleton, moment.astimezone(ZoneInfo(zone)).date(), locale=get_locale())


def format_moment(moment: datetime, zone: str) -> str:
    """A date and time in *zone*, the way the reader's language writes it."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_date(local, 'medium', locale=get_locale())} {local:%H:%M}"


def format_span(span: Interval, zone: str) -> str:
    """'3 Mar 2027 14:00–16:00', or both dates when the span crosses midnight."""
    start = span.start.astimezone(ZoneInfo(zone))
    end = span.end.astimezone(ZoneInfo(zone))
    if start.date() == end.date():
        return f"{format_date(start, 'medium', locale=get_locale())} {start:%H:%M}–{end:%H:%M}"
    return f"{format_moment(span.start, zone)} – {format_moment(span.end, zone)}"


def format_minutes(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(num)d day", "%(num)d days", days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


@dataclass(frozen=True)
class Refused:
    """What a refusal's sentences may say beyond the reasons: the request and the buffers.

    The clashing bookings come with each reason (Reason.clashes, as the person may know them).
    """

    period: Interval  # the time asked for
    buffer_before: int = 0  # the resource's buffers, in minutes
    buffer_after: int = 0


def describe(reason: Reason, zone: str, refused: Refused | None = None) -> str:
    """One sentence that says which rule the booking breaks and, where it helps, when."""
    times = ", ".join(format_span(i, zone) for i in reason.intervals[:5])
    limit = reason.limit or 0
    match reason.code:
        case scheduling.CONFLICT if refused is not None:
            return describe_clash(reason, zone, refused)
        case scheduling.CONFLICT if limit > 0:
            return ngettext("Only %(num)d place is left at %(times)s.",
                            "Only %(num)d places are left at %(times)s.", limit, times=times)
        case scheduling.CONFLICT:
            return _("Already booked at %(times)s.", times=times)
        case scheduling.CAPACITY_EXCEEDED:
            return ngettext("At most %(num)d place can be booked.",
                            "At most %(num)d places can be booked.", limit)
        case scheduling.OUTSIDE_AVAILABILITY:
            return _("Outside the opening hours (%(times)s).", times=times) if times else \
                _("Outside the opening hours.")
        case scheduling.CLOSED:
            detail = f" ({reason.detail})" if reason.detail else ""
            return _("Closed at %(times)s%(detail)s.", times=times, detail=detail)
        case scheduling.TOO_SHORT:
            return _("Shorter than the minimum of %(length)s.", length=format_minutes(limit))
        case scheduling.TOO_LONG:
            return _("Longer than the maximum of %(length)s.", length=format_minutes(limit))
        case scheduling.TOO_SOON if limit:
            return _("Must be booked at least %(length)s in advance.",
                     length=format_minutes(limit))
        case scheduling.TOO_SOON:
            return _("This time has already begun or passed.")
        case scheduling.TOO_FAR_AHEAD:
            return ngettext("Can be booked at most %(num)d day ahead.",
                            "Can be booked at most %(num)d days ahead.", limit)
        case scheduling.OFF_SLOT_GRID:
            return _("Must start on the %(length)s slot grid and last whole slots.",
                     length=format_minutes(limit))
        case scheduling.INVALID_QUANTITY:
            return _("Book at least one place.")
        case scheduling.QUOTA:
            return describe_quota(reason, zone)
        case scheduling.TOO_MANY_REQUESTS:
            return ngettext("Your organisation may have %(num)d request waiting for a decision "
                            "on this resource, and has: wait for the answer or withdraw it.",
                            "Your organisation may have %(num)d requests waiting for a decision "
                            "on this resource, and has: wait for an answer or withdraw one.",
                            limit)
    return _("This time cannot be booked.")


def describe_quota(reason: Reason, zone: str) -> str:
    """Beyond the organisation's quota: how much is left and when it frees up."""
    minutes = reason.limit or 0
    left = (_("nothing") if not minutes else
            ngettext("%(num)d hour", "%(num)d hours", minutes // 60) if minutes % 60 == 0
            else ngettext("%(num)d minute", "%(num)d minutes", minutes))
    frees = format_day(reason.intervals[0].end, zone) if reason.intervals else ""
    match reason.detail:
        case "week":
            return _("Beyond your organisation's quota on this resource for the week: "
                     "%(left)s left; it frees up on %(day)s.", left=left, day=frees)
        case "month":
            return _("Beyond your organisation's quota on this resource for the month: "
                     "%(left)s left; it frees up on %(day)s.", left=left, day=frees)
    return _("Beyond your organisation's quota on this resource for the term: "
             "%(left)s left; it frees up on %(day)s.", left=left, day=frees)


def describe_clash(reason: Reason, zone: str, refused: Refused) -> str:
    """A clash in the other bookings' own times; the buffer named when only it clashes.

    Times the reason marks as too full are padded by the buffers; people book and see the
    bookings' own times, so those are what a refusal shows.
    """
    found = list(reason.clashes)
    mine = [c for c in found if c.mine]
    others = [c for c in found if not c.mine]
    sentences = []
    if limit := reason.limit:
        shown = [part for i in reason.intervals if (part := i.intersection(refused.period))]
        sentences.append(ngettext("Only %(num)d place is left at %(times)s.",
                                  "Only %(num)d places are left at %(times)s.", limit,
                                  times=_spans(shown or reason.intervals, zone)))
    elif others or not found:
        sentences.append(_("Already booked at %(times)s.",
                           times=_spans([c.period for c in others] or reason.intervals, zone)))
    if pending := [c for c in mine if c.pending]:
        sentences.append(_("Your own request at %(times)s, still awaiting approval, holds this "
                           "time.", times=_spans([c.period for c in pending], zone)))
    if booked := [c for c in mine if not c.pending]:
        sentences.append(_("You have already booked %(times)s.",
                           times=_spans([c.period for c in booked], zone)))
    if found and not any(c.period.overlaps(refused.period) for c in found):
        sentences.append(_buffer_sentence(refused))
    return " ".join(s for s in sentences if s)


def _spans(intervals, zone: str) -> str:
    return ", ".join(format_span(i, zone) for i in sorted(intervals, key=lambda i: i.start)[:5])


def _buffer_sentence(refused: Refused) -> str:
    """Why times that do not overlap still clash: the minutes kept free around each booking."""
    before, after = refused.buffer_before, refused.buffer_after
    if before and after:
        return _("%(before)s before and %(after)s after each booking are kept free.",
                 before=format_minutes(before), after=format_minutes(after))
    if before:
        return _("%(length)s are kept free before each booking.", length=format_minutes(before))
    if after:
        return _("%(length)s are kept free after each booking.", length=format_minutes(after))
    return ""


def reason_as_dict(reason: Reason, zone: str, refused: Refused | None = None, *,
                   show_booking_ids: bool = True) -> dict:
    """A reason for the JSON API: its code, its sentence (the page's) and its times."""
    data = {"code": reason.code, "message": describe(reason, zone, refused),
            "times": [{"start": i.start.isoformat(), "end": i.end.isoformat()}
                      for i in reason.intervals]}
    if reason.limit is not None:
        data["limit"] = reason.limit
    if reason.detail:
        data["detail"] = reason.detail
    if show_booking_ids and reason.booking_ids:
        data["booking_ids"] = list(reason.booking_ids)
    return data


def describe_breach(breach: Breach, zone: str) -> str:
    """A booking a resource's new rules would break: when, and which rules, in sentences."""
    reasons = " ".join(describe(reason, zone) for reason in breach.reasons)
    return f"{format_span(breach.period, zone)}: {reasons}"


def series_outcome(booked, skipped: int, owner: str) -> str:
    """What a new series really did: 'Booked 8 dates', or 'Requested 8 dates ... until X
    decides', mixed outcomes counted, and the dates left out."""
    pending = sum(b.status.value == "pending" for b in booked)
    if pending:
        said = ngettext("Requested %(num)d date: it is held for you until %(org)s decides.",
                        "Requested %(num)d dates: they are held for you until %(org)s decides.",
                        pending, org=owner)
        if pending < len(booked):
            said += " " + ngettext("%(num)d date is booked.", "%(num)d dates are booked.",
                                   len(booked) - pending)
    else:
        said = ngettext("Booked %(num)d date.", "Booked %(num)d dates.", len(booked))
    if skipped:
        said += " " + ngettext("%(num)d date was left out.", "%(num)d dates were left out.",
                               skipped)
    return said
