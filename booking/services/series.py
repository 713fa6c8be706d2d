"""Recurring bookings: preview every date, book all or only the free ones, change them later.

A series is stored as one BookingSeries row (the pattern) and one Booking row per occurrence,
so each date keeps its own state: cancelling or moving one date is an ordinary change of that
booking (services.bookings), and editing the series never touches dates that were cancelled
or moved. Every date is checked through services.checks and changed through services.changes,
like a single booking; a change to many dates is one transaction and one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from booking import limits, scheduling
from booking.db_types import utcnow
from booking.events import Action
from booking.exceptions import InvalidInput, NotAllowed, NotFound, StateConflict
from booking.extensions import db
from booking.models import Booking, BookingSeries, BookingStatus, Resource, User
from booking.permissions import can_find, can_manage_resource, can_see_details, is_person_of
from booking.scheduling import Interval, Recurrence, RecurrenceTooLong, Verdict
from booking.services import changes, checks, clashes
from booking.services.bookings import BookingRequest, check_reason, request_errors
from booking.services.changes import Change
from booking.services.locking import lock_findable, lock_resource, with_retries
from booking.timezones import to_zone

# Alternatives for a refused date are looked for this many days around it.
ALTERNATIVE_SEARCH_DAYS = 2


@dataclass(frozen=True)
class SeriesRequest:
    first: BookingRequest
    recurrence: Recurrence
    skip_conflicts: bool = False   # book only the free dates
    skip_closures: bool = False    # leave out dates the resource is closed, without asking
    # Dates left out as the booking organisation's holidays (terms.term_recurrence), by name.
    holidays: Mapping[date, str] = field(default_factory=dict)


def expand(request: SeriesRequest, resource: Resource) -> list[Interval]:
    """The series' dates in the resource's zone, or a 422 saying why it is not a valid series."""
    try:
        periods = request.recurrence.occurrences(request.first.period, resource.timezone)
    except RecurrenceTooLong:
        raise InvalidInput({"repeat": _l(
            "A series may have at most %(n)d dates and reach at most two years ahead.",
            n=limits.SERIES_MAX_DATES)}) from None
    except ValueError as exc:
        raise InvalidInput({"repeat": str(exc)}) from None
    if not periods:
        raise InvalidInput({"repeat": _l("This pattern gives no dates.")})
    return periods


def preview_series(user: User, request: SeriesRequest, *,
                   now: datetime | None = None) -> list[Verdict]:
    """Every date of the series with its verdict and, for clashes, nearby free times."""
    now = now or utcnow()
    _validate(request, now)
    resource = db.session.get(Resource, request.first.resource_id)
    if resource is None or not can_find(user, resource):
        raise NotFound(_l("No such resource."))
    return clashes.seen_by(user, checks.judge(
        user, resource, expand(request, resource), request.first.quantity, now=now,
        search_days=ALTERNATIVE_SEARCH_DAYS))


def create_series(user: User, request: SeriesRequest, *, now: datetime | None = None
                  ) -> tuple[BookingSeries, list[Booking], list[Verdict]]:
    """Book the series in one transaction: every date, or only the free ones if asked."""
    now = now or utcnow()
    _validate(request, now)
    return with_retries(lambda: _create_locked(user, request, now))


def _create_locked(user: User, request: SeriesRequest, now: datetime):
    resource, user = lock_findable(user, request.first.resource_id)
    periods, quantity = expand(request, resource), request.first.quantity
    verdicts = checks.judge(user, resource, periods, quantity, now=now)
    skipped = [v for v in verdicts if not v.ok and (
        request.skip_conflicts or (request.skip_closures and v.closed_only))]
    accepted = [v for v in verdicts if v.ok]
    if len(accepted) + len(skipped) < len(verdicts) or not accepted:
        # Only a refusal needs alternatives: judge again, this time looking around each date.
        refused = checks.judge(user, resource, periods, quantity, now=now,
                               search_days=ALTERNATIVE_SEARCH_DAYS)
        checks.require(user, resource, refused, series=True)
    skipped = clashes.seen_by(user, skipped)
    series = _new_series(user, resource, request)
    db.session.add(series)
    change = Change(Action.SERIES_CREATED, user, resource, series=series)
    rules = resource.rules()
    bookings = [changes.place(change, rules, v.period, quantity=quantity,
                              title=request.first.title, series=series) for v in accepted]
    change.commit()
    return series, bookings, skipped


def _validate(request: SeriesRequest, now: datetime) -> None:
    first = request.first
    if errors := request_errors(first.start, first.end, first.quantity, first.title, now=now):
        raise InvalidInput(errors)


def _new_series(user: User, resource: Resource, request: SeriesRequest) -> BookingSeries:
    rule = request.recurrence
    return BookingSeries(
        resource=resource, user=user, organisation_id=user.organisation_id,
        title=request.first.title.strip(), freq=rule.freq.value, interval=rule.interval,
        weekdays=",".join(map(str, rule.weekdays)), monthly_by=rule.monthly_by,
        until=rule.until, count=rule.count,
        skip_dates=sorted(d.isoformat() for d in rule.skip),
        first_start_at=request.first.start, first_end_at=request.first.end,
        quantity=request.first.quantity)


def get_series(series_id: int) -> BookingSeries:
    series = db.session.get(BookingSeries, series_id) if 0 < series_id <= limits.MAX_ID else None
    if series is None:
        raise NotFound(_l("No such series."))
    return series


def visible_series(user: User, series_id: int) -> BookingSeries:
    """A series whose details the person may see (the booker's and the owner's people)."""
    series = get_series(series_id)
    if not series.bookings or not can_see_details(user, series.bookings[0]):
        raise NotFound(_l("No such series."))
    return series


def may_change(user: User, series: BookingSeries) -> bool:
    """The booker, or the admins of the organisation that owns the resource."""
    return user.is_active and (series.user_id == user.id
                               or can_manage_resource(user, series.resource))


def may_cancel(user: User, series: BookingSeries) -> bool:
    """Whoever may change it, and the person whose time the series takes."""
    return may_change(user, series) or is_person_of(user, series.resource)


def cancel_series(user: User, series_id: int, *,
                  from_booking_id: int | None = None) -> list[Booking]:
    """Cancel the whole series, or one date and all that follow it."""
    series = visible_series(user, series_id)
    if not may_cancel(user, series):
        raise NotAllowed(_l("Only the booker, the resource's organisation or the person whose "
                            "time it is can cancel this."))
    occurrences = [b for b in series.bookings if b.occupies]
    if from_booking_id is not None:
        pivot = next((b for b in series.bookings if b.id == from_booking_id), None)
        if pivot is None:
            raise NotFound(_l("That date is not part of this series."))
        occurrences = [b for b in occurrences if b.start_at >= pivot.start_at]
    if not occurrences:
        return []
    change = Change(Action.SERIES_CANCELLED, user, series.resource, series=series)
    for booking in occurrences:
        changes.cancel(change, booking)
    changes.series_changed(change)
    change.commit()
    return occurrences


def update_series(user: User, series_id: int, *, title: str | None = None,
                  start_time: time | None = None, end_time: time | None = None,
                  now: datetime | None = None) -> BookingSeries:
    """Change the purpose or the wall-clock time of the dates still to come.

    Cancelled dates stay cancelled and moved dates keep their own time; all the re-timed
    dates are checked again like new ones, and either all move or none does. On a resource
    that needs approval, dates re-timed by anyone but the owner's admins await it again.
    """
    now = now or utcnow()
    series = _changeable(user, series_id)
    if title is not None and len(title) > limits.TITLE_LENGTH:
        raise InvalidInput({"title": _l("Use at most %(n)d characters.", n=limits.TITLE_LENGTH)})
    if (start_time is None) != (end_time is None):
        raise InvalidInput({"start_time": _l("Give both the new start and end time.")})
    if start_time is not None and end_time <= start_time:
        raise InvalidInput({"end_time": _l("The end must be after the start.")})
    return with_retries(lambda: _update_locked(user, series.id, title, start_time, end_time,
                                               now))


def _update_locked(user, series_id, title, start_time, end_time, now) -> BookingSeries:
    resource = lock_resource(get_series(series_id).resource_id)
    series = _changeable(user, series_id)
    upcoming = sorted((b for b in series.bookings if b.occupies and b.start_at > now),
                      key=lambda b: b.start_at)
    change = Change(Action.SERIES_CHANGED, user, resource, series=series)
    if start_time is not None:
        _retime(change, series, [b for b in upcoming if not is_moved(b)], start_time,
                end_time, now)
    if title is not None:
        for booking in upcoming:
            changes.retitle(change, booking, title)
        series.title = title.strip()
    changes.series_changed(change)
    change.commit()
    return series


def _retime(change: Change, series: BookingSeries, bookings: list[Booking], start_time: time,
            end_time: time, now: datetime) -> None:
    """Give each date the new wall-clock times, all of them checked with one read, or none."""
    if not bookings:
        return
    resource, rules = change.resource, change.resource.rules()
    periods = [Interval(scheduling.at_local(day, start_time, rules.zone),
                        scheduling.at_local(day, end_time, rules.zone))
               for day in (to_zone(b.start_at, resource.timezone).date() for b in bookings)]
    verdicts = checks.judge(series.user, resource, periods, series.quantity, now=now,
                            excluding=frozenset(b.id for b in bookings))
    checks.require(change.actor, resource, verdicts, series=True)
    for booking, period in zip(bookings, periods):
        changes.retime(change, booking, rules, period, as_planned=True)


def is_moved(booking: Booking) -> bool:
    return booking.original_start_at is not None and booking.original_start_at != booking.start_at


def approve_series(user: User, series_id: int, *, now: datetime | None = None) -> list[Booking]:
    """Approve every pending date still to come at once, or none if any no longer fits."""
    now = now or utcnow()
    series = _decidable(user, series_id)
    return with_retries(lambda: _approve_locked(user, series.resource_id, series.id, now))


def _approve_locked(user: User, resource_id: int, series_id: int, now: datetime):
    resource = lock_resource(resource_id)
    series = _decidable(user, series_id)
    pending = _pending(series, now)
    # Notice and horizon bound the booker, and were judged when the dates were asked for.
    verdicts = checks.judge(series.user, resource, [b.period for b in pending], series.quantity,
                            now=None, excluding=frozenset(b.id for b in pending))
    checks.require(user, resource, verdicts, series=True)
    change = Change(Action.SERIES_APPROVED, user, resource, series=series)
    for booking in pending:
        changes.decide(change, booking, BookingStatus.CONFIRMED)
    change.commit()
    return pending


def reject_series(user: User, series_id: int, reason: str = "", *,
                  now: datetime | None = None) -> list[Booking]:
    """Turn down every pending date still to come, with one reason for them all."""
    now = now or utcnow()
    check_reason(reason)
    series = _decidable(user, series_id)
    pending = _pending(series, now)
    change = Change(Action.SERIES_REJECTED, user, series.resource, series=series,
                    reason=reason.strip())
    for booking in pending:
        changes.decide(change, booking, BookingStatus.REJECTED, reason)
    change.commit()
    return pending


def _changeable(user: User, series_id: int) -> BookingSeries:
    series = visible_series(user, series_id)
    if not may_change(user, series):
        raise NotAllowed(_l("Only the booker or the resource's organisation can change this."))
    return series


def _decidable(user: User, series_id: int) -> BookingSeries:
    series = visible_series(user, series_id)
    if not can_manage_resource(user, series.resource):
        raise NotAllowed(_l("Only the resource's organisation can decide on this request."))
    return series


def _pending(series: BookingSeries, now: datetime) -> list[Booking]:
    pending = sorted((b for b in series.bookings
                      if b.status is BookingStatus.PENDING and b.end_at > now),
                     key=lambda b: b.start_at)
    if not pending:
        raise StateConflict(_l("No date of this series awaits a decision."))
    return pending
