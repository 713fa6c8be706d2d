"""Recurring bookings: book or preview a series, then read and change it as one."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

from booking import limits
from booking.api import queries, serialise
from booking.api.auth import api_user
from booking.api.parsing import Reader, json_object, parse_clock, parse_date
from booking.exceptions import NotFound
from booking.messages import series_outcome
from booking.models import BookingSeries, BookingStatus, User
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings as booking_service
from booking.services import series as service
from booking.services import terms
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from booking.timezones import to_zone

bp = Blueprint("series", __name__)

#: What POST /bookings accepts besides one booking's fields.
SERIES_FIELDS = frozenset({"repeat", "on_conflict", "closures", "dry_run"})
REPEAT_FIELDS = frozenset({"freq", "interval", "weekdays", "monthly_by", "until", "count", "skip",
                           "term_id"})


def create_from(body: dict[str, Any], first: BookingRequest):
    """POST /bookings with "repeat": the preview (dry run), the booked series, or 409."""
    reader = Reader(body)
    on_conflict = reader.choice("on_conflict", ("fail", "skip"), default="fail")
    closures = reader.choice("closures", ("report", "skip"), default="report")
    dry_run = reader.boolean("dry_run", default=False)
    recurrence = parse_repeat(body.get("repeat"), reader)
    reader.raise_if_errors()
    user = api_user()
    holidays: dict = {}
    if term := terms.find_term(body["repeat"].get("term_id")):
        zone = queries.findable_resource(user, first.resource_id).timezone
        recurrence, holidays = terms.term_recurrence(recurrence, term, user.organisation_id,
                                                     to_zone(first.start, zone).date())
    request = SeriesRequest(first, recurrence, skip_conflicts=on_conflict == "skip",
                            skip_closures=closures == "skip", holidays=holidays)
    if dry_run:
        verdicts = service.preview_series(user, request)
        resource = queries.findable_resource(user, first.resource_id)
        zone = resource.timezone
        buffers = (resource.buffer_before_minutes, resource.buffer_after_minutes)
        answer = {"occurrences": [serialise.verdict(v, zone, buffers) for v in verdicts]}
        if holidays:  # left out as the organisation's holidays (repeat.term_id)
            planned = set(request.recurrence.dates(to_zone(first.start, zone).date()))
            answer["holidays"] = [{"date": day.isoformat(), "name": name}
                                  for day, name in sorted(holidays.items()) if day in planned]
        return answer, 200
    series, booked, skipped = service.create_series(user, request)
    zone = series.resource.timezone
    location = url_for("api.series.show", series_id=series.id, _external=True)
    pending = sum(b.status is BookingStatus.PENDING for b in booked)
    return ({"series_id": series.id, "bookings": [serialise.booking(user, b) for b in booked],
             "skipped": [serialise.verdict(v, zone) for v in skipped],
             "confirmed": len(booked) - pending, "pending": pending,
             "message": series_outcome(booked, len(skipped), series.resource.organisation.name)},
            201,
            {"Location": location})


def parse_repeat(value: Any, reader: Reader) -> Recurrence | None:
    """The "repeat" object as a Recurrence, with every mistake reported under repeat.*."""
    if not isinstance(value, dict):
        reader.fail("repeat", _l("Give an object such as {\"freq\": \"weekly\", \"count\": 10}."))
        return None
    for unknown in sorted(set(value) - REPEAT_FIELDS):
        reader.fail(f"repeat.{unknown}", _l("There is no such field."))
    part = Reader(value)
    freq = part.choice("freq", [f.value for f in Frequency])
    if "freq" not in value:
        part.fail("freq", _l("This field is required."))
    interval = part.integer("interval", high=limits.SERIES_MAX_INTERVAL, default=1)
    count = part.integer("count", high=limits.SERIES_MAX_DATES)
    monthly_by = part.choice("monthly_by", ("date", "weekday"), default="date")
    weekdays = _weekdays(value.get("weekdays", []), part)
    until = part.date("until")
    skip = _dates(value.get("skip", []), part)
    if "term_id" in value:  # until the term's last day (create_from leaves out the holidays)
        term = terms.find_term(part.integer("term_id"))
        if term is None and "term_id" not in part.errors:
            part.fail("term_id", _l("Choose a term from the list."))
        elif term is not None and (until or count):
            part.fail("term_id", _l("Give either a last date, a number of times or a term."))
        elif term is not None:
            until = term.last_day
    for name, messages in part.errors.items():
        reader.errors.setdefault(f"repeat.{name}", messages)
    if part.errors:
        return None
    try:
        return Recurrence(Frequency(freq), interval=interval, weekdays=weekdays,
                          monthly_by=monthly_by, until=until, count=count, skip=skip)
    except ValueError as exc:  # inconsistent combinations, and too many dates
        reader.fail("repeat", str(exc))
        return None


def _weekdays(value: Any, part: Reader) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in value):
        part.fail("weekdays", _l("Give a list of weekdays from 0 (Monday) to 6 (Sunday)."))
        return ()
    return tuple(value)


def _dates(value: Any, part: Reader) -> frozenset[date]:
    if not isinstance(value, list) or len(value) > limits.SERIES_MAX_SKIPPED:
        part.fail("skip", _l("Give a list of dates as YYYY-MM-DD."))
        return frozenset()
    try:
        return frozenset(parse_date(item) for item in value)
    except ValueError as exc:
        part.fail("skip", exc.args[0])
        return frozenset()


def _series(user: User, series: BookingSeries) -> dict:
    zone = series.resource.timezone
    return {
        "id": series.id, "resource_id": series.resource_id, "title": series.title,
        "timezone": zone, "quantity": series.quantity,
        "repeat": {"freq": series.freq, "interval": series.interval,
                   "weekdays": [int(d) for d in series.weekdays.split(",") if d],
                   "monthly_by": series.monthly_by,
                   "until": series.until.isoformat() if series.until else None,
                   "count": series.count, "skip": list(series.skip_dates or [])},
        "first": {"start": serialise.moment(series.first_start_at, zone),
                  "end": serialise.moment(series.first_end_at, zone)},
        "bookings": [serialise.booking(user, b) for b in series.bookings],
    }


@bp.get("/series/<series_id>")
def show(series_id: int):
    """A series with every date and its state."""
    user = api_user()
    return _series(user, service.visible_series(user, series_id))


@bp.patch("/series/<series_id>")
def update(series_id: int):
    """Change the purpose or the wall-clock time of the dates to come (all or none move)."""
    user = api_user()
    service.visible_series(user, series_id)
    body = json_object({"title", "start_time", "end_time"})
    reader = Reader(body)
    title = reader.text("title", max_length=limits.TITLE_LENGTH)
    start_time = end_time = None
    for name in ("start_time", "end_time"):
        if name in body:
            try:
                value = parse_clock(body[name])
            except ValueError as exc:
                reader.fail(name, exc.args[0])
            else:
                start_time, end_time = ((value, end_time) if name == "start_time"
                                        else (start_time, value))
    reader.raise_if_errors()
    service.update_series(user, series_id, title=title, start_time=start_time,
                          end_time=end_time)
    return _series(user, service.visible_series(user, series_id))


@bp.post("/series/<series_id>/cancel")
def cancel(series_id: int):
    """Cancel the whole series, or from_booking_id and every date after it."""
    user = api_user()
    service.visible_series(user, series_id)
    reader = Reader(json_object({"from_booking_id"}, may_be_empty=True))
    from_id = reader.integer("from_booking_id")
    reader.raise_if_errors()
    service.cancel_series(user, series_id, from_booking_id=from_id)
    return _series(user, service.visible_series(user, series_id))


@bp.post("/series/<series_id>/approve")
def approve(series_id: int):
    """Approve every pending date at once (admins of the resource's organisation)."""
    user = api_user()
    service.visible_series(user, series_id)
    json_object((), may_be_empty=True)
    service.approve_series(user, series_id)
    return _series(user, service.visible_series(user, series_id))


@bp.post("/series/<series_id>/reject")
def reject(series_id: int):
    """Turn down every pending date at once, with one reason (admins of the owner)."""
    user = api_user()
    service.visible_series(user, series_id)
    reader = Reader(json_object({"reason"}, may_be_empty=True))
    reason = reader.text("reason", max_length=limits.DECISION_REASON_LENGTH, default="")
    reader.raise_if_errors()
    service.reject_series(user, series_id, reason)
    return _series(user, service.visible_series(user, series_id))


@bp.post("/series/<series_id>/bookings/<booking_id>/move")
def move(series_id: int, booking_id: int):
    """Move one date of the series; the others stay as they are."""
    user = api_user()
    series = service.visible_series(user, series_id)
    if booking_id not in {b.id for b in series.bookings}:
        raise NotFound(_l("That date is not part of this series."))
    body = json_object({"start", "end"}, {"start", "end"})
    reader = Reader(body)
    start = reader.moment("start", series.resource.timezone)
    end = reader.moment("end", series.resource.timezone)
    reader.raise_if_errors()
    booking_service.move_booking(user, booking_id, start, end)
    return _series(user, service.visible_series(user, series_id))
