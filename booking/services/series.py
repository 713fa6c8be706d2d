"""Recurring bookings: preview every date, book all or only the free ones, change them later.

A series is stored as one BookingSeries row (the pattern) and one Booking row per occurrence,
so each date keeps its own state: cancelling or moving one date is an ordinary change of that
booking, and editing the series never touches dates that were cancelled or moved.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from booking import scheduling
from booking.db_types import utcnow
from booking.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.models import Booking, BookingSeries, BookingStatus, Resource, User
from booking.permissions import can_cancel, can_manage_resource
from booking.scheduling import (BookingRules, Interval, Occupancy, Reason, Recurrence,
                                RecurrenceTooLong)
from booking.services.bookings import (MAX_TITLE_LENGTH, BookingRequest, check_may_book,
                                       commit_booking, occupancies, request_errors)
from booking.services.locking import lock_resource, with_retries
from booking.timezones import to_zone

# Alternatives are searched near each clashing date, for at most this many dates.
MAX_DATES_WITH_ALTERNATIVES = 50
ALTERNATIVE_SEARCH_DAYS = 2


@dataclass(frozen=True)
class SeriesRequest:
    first: BookingRequest
    recurrence: Recurrence
    skip_conflicts: bool = False   # book only the free dates
    skip_closures: bool = False    # leave out dates the resource is closed, without asking


@dataclass
class OccurrenceVerdict:
    period: Interval
    reasons: list[Reason] = field(default_factory=list)
    alternatives: list[Interval] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def closed_only(self) -> bool:
        return bool(self.reasons) and all(r.code == scheduling.CLOSED for r in self.reasons)


class SeriesConflict(Conflict):
    """Some dates cannot be booked; `verdicts` says which and why."""

    def __init__(self, verdicts: list[OccurrenceVerdict]) -> None:
        refused = [v for v in verdicts if not v.ok]
        super().__init__([r for v in refused for r in v.reasons],
                         message=str(_l("%(n)d of the dates cannot be booked.", n=len(refused))))
        self.verdicts = verdicts


def expand(request: SeriesRequest, resource: Resource) -> list[Interval]:
    """The series' dates in the resource's zone, or a 422 saying why it is not a valid series."""
    try:
        periods = request.recurrence.occurrences(request.first.period, resource.timezone)
    except RecurrenceTooLong:
        raise InvalidInput({"repeat": _l(
            "A series may have at most %(n)d dates and reach at most two years ahead.",
            n=scheduling.MAX_OCCURRENCES)}) from None
    except ValueError as exc:
        raise InvalidInput({"repeat": str(exc)}) from None
    if not periods:
        raise InvalidInput({"repeat": _l("This pattern gives no dates.")})
    return periods


def _validated(user: User, request: SeriesRequest, now: datetime) -> None:
    first = request.first
    if errors := request_errors(first.start, first.end, first.quantity, first.title, now=now):
        raise InvalidInput(errors)


def judge(resource: Resource, rules: BookingRules, periods: list[Interval], quantity: int,
          now: datetime, *, with_alternatives: bool,
          excluding: frozenset[int] = frozenset()) -> list[OccurrenceVerdict]:
    """Check every date against every rule with one read of what occupies the resource.

    *periods* are in time order; bookings in *excluding* (those being re-timed) are ignored.
    """
    whole = rules.occupied(Interval(periods[0].start, periods[-1].end))
    search = timedelta(days=ALTERNATIVE_SEARCH_DAYS if with_alternatives else 0)
    taken = sorted((o for o in occupancies(resource, Interval(whole.start - search,
                                                              whole.end + search))
                    if o.booking_id not in excluding),
                   key=lambda o: o.period.start)
    # The series' own dates join `taken` as they are accepted; a daylight-saving night can
    # make one of them an hour longer than the first.
    lookback = max(timedelta(minutes=resource.longest_occupied_minutes),
                   rules.occupied(periods[0]).duration + timedelta(hours=1))
    verdicts = []
    for period in periods:
        occupied = rules.occupied(period)
        nearby = _near(taken, Interval(occupied.start - lookback, occupied.end))
        verdict = OccurrenceVerdict(period, scheduling.check_booking(
            rules, period, quantity=quantity, occupying=nearby, now=now))
        if verdict.ok:
            # Later dates of the same series must not clash with this one either.
            taken.insert(bisect_left(taken, occupied.start, key=lambda o: o.period.start),
                         Occupancy(occupied, quantity))
        verdicts.append(verdict)
    if with_alternatives:
        _add_alternatives(rules, verdicts, taken, quantity, now)
    return verdicts


def _near(taken: list[Occupancy], span: Interval) -> list[Occupancy]:
    low = bisect_left(taken, span.start, key=lambda o: o.period.start)
    high = bisect_left(taken, span.end, key=lambda o: o.period.start)
    return taken[low:high]


def _add_alternatives(rules: BookingRules, verdicts: list[OccurrenceVerdict],
                      taken: list[Occupancy], quantity: int, now: datetime) -> None:
    refused = [v for v in verdicts if not v.ok and not v.closed_only]
    for verdict in refused[:MAX_DATES_WITH_ALTERNATIVES]:
        verdict.alternatives = scheduling.find_alternatives(
            rules, verdict.period, quantity=quantity, occupying=taken, now=now, before=1, after=2,
            search_days=ALTERNATIVE_SEARCH_DAYS)


def preview_series(user: User, request: SeriesRequest, *,
                   now: datetime | None = None) -> list[OccurrenceVerdict]:
    """Every date of the series with its verdict and, for clashes, nearby free times."""
    now = now or utcnow()
    _validated(user, request, now)
    resource = db.session.get(Resource, request.first.resource_id)
    if resource is None:
        raise NotFound(_l("No such resource."))
    check_may_book(user, resource, request.first.quantity)
    periods = expand(request, resource)
    return judge(resource, resource.rules(), periods, request.first.quantity, now,
                 with_alternatives=True)


def create_series(user: User, request: SeriesRequest, *, now: datetime | None = None
                  ) -> tuple[BookingSeries, list[Booking], list[OccurrenceVerdict]]:
    """Book the series in one transaction: every date, or only the free ones if asked."""
    now = now or utcnow()
    _validated(user, request, now)
    return with_retries(lambda: _create_locked(user, request, now))


def _create_locked(user: User, request: SeriesRequest, now: datetime):
    resource = lock_resource(request.first.resource_id)
    check_may_book(user, resource, request.first.quantity)
    periods = expand(request, resource)
    rules = resource.rules()
    verdicts = judge(resource, rules, periods, request.first.quantity, now,
                     with_alternatives=False)
    skipped = [v for v in verdicts if not v.ok and (
        request.skip_conflicts or (request.skip_closures and v.closed_only))]
    refused = [v for v in verdicts if not v.ok and v not in skipped]
    accepted = [v for v in verdicts if v.ok]
    if refused or not accepted:
        # Only a refusal needs alternatives: judge again, this time looking around each date.
        verdicts = judge(resource, rules, periods, request.first.quantity, now,
                         with_alternatives=True)
        db.session.rollback()
        raise SeriesConflict(verdicts)
    series = _new_series(user, resource, request)
    bookings = [_occurrence(user, resource, rules, series, request.first, v.period)
                for v in accepted]
    db.session.add(series)
    db.session.add_all(bookings)
    resource.longest_occupied_minutes = max(
        resource.longest_occupied_minutes,
        *(-(-int(rules.occupied(v.period).duration.total_seconds()) // 60) for v in accepted))
    commit_booking(periods[0])
    return series, bookings, skipped


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


def _occurrence(user: User, resource: Resource, rules: BookingRules, series: BookingSeries,
                first: BookingRequest, period: Interval) -> Booking:
    occupied = rules.occupied(period)
    needs_approval = resource.approval_required and not can_manage_resource(user, resource)
    return Booking(resource=resource, user=user, organisation_id=user.organisation_id,
                   title=first.title.strip(), start_at=period.start, end_at=period.end,
                   occupied_start_at=occupied.start, occupied_end_at=occupied.end,
                   quantity=first.quantity, exclusive=resource.capacity == 1, series=series,
                   original_start_at=period.start,
                   status=BookingStatus.PENDING if needs_approval else BookingStatus.CONFIRMED)


def get_series(series_id: int) -> BookingSeries:
    series = db.session.get(BookingSeries, series_id)
    if series is None:
        raise NotFound(_l("No such series."))
    return series


def cancel_series(user: User, series_id: int, *, from_booking_id: int | None = None) -> list[Booking]:
    """Cancel the whole series, or one date and all that follow it."""
    series = get_series(series_id)
    occurrences = [b for b in series.bookings if b.occupies]
    if from_booking_id is not None:
        pivot = next((b for b in series.bookings if b.id == from_booking_id), None)
        if pivot is None:
            raise NotFound(_l("That date is not part of this series."))
        occurrences = [b for b in occurrences if b.start_at >= pivot.start_at]
    if not all(can_cancel(user, b) for b in occurrences) or not _may_handle(user, series):
        raise NotAllowed(_l("Only the booker or the resource's organisation can cancel this."))
    moment = utcnow()
    for booking in occurrences:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = moment
        booking.cancelled_by_id = user.id
        booking.sequence += 1
    series.sequence += 1
    db.session.commit()
    return occurrences


def _may_handle(user: User, series: BookingSeries) -> bool:
    return series.user_id == user.id or can_manage_resource(user, series.resource)


def move_occurrence(user: User, booking_id: int, start: datetime, end: datetime, *,
                    now: datetime | None = None) -> Booking:
    """Move one date to another time; the rest of the series stays as it is."""
    now = now or utcnow()
    if errors := request_errors(start, end, 1, None, now=now):
        raise InvalidInput(errors)
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(_l("No such booking."))
    if booking.user_id != user.id and not can_cancel(user, booking):
        raise NotAllowed(_l("Only the booker or the resource's organisation can change this."))
    return with_retries(lambda: _move_locked(booking.resource_id, booking_id,
                                             Interval(start, end), now))


def _move_locked(resource_id: int, booking_id: int, period: Interval, now: datetime) -> Booking:
    resource = lock_resource(resource_id)
    booking = db.session.get(Booking, booking_id)
    if not booking.occupies:
        raise InvalidInput({"booking": _l("Only a pending or confirmed booking can be moved.")})
    rules = resource.rules()
    occupying = occupancies(resource, rules.occupied(period), excluding=booking.id)
    if reasons := scheduling.check_booking(rules, period, quantity=booking.quantity,
                                           occupying=occupying, now=now):
        db.session.rollback()
        raise Conflict(reasons)
    occupied = rules.occupied(period)
    booking.original_start_at = booking.original_start_at or booking.start_at
    booking.start_at, booking.end_at = period.start, period.end
    booking.occupied_start_at, booking.occupied_end_at = occupied.start, occupied.end
    booking.sequence += 1
    resource.longest_occupied_minutes = max(resource.longest_occupied_minutes,
                                            int(occupied.duration.total_seconds() // 60) + 1)
    commit_booking(period)
    return booking


def is_moved(booking: Booking) -> bool:
    return booking.original_start_at is not None and booking.original_start_at != booking.start_at


def update_series(user: User, series_id: int, *, title: str | None = None,
                  start_time: time | None = None, end_time: time | None = None,
                  now: datetime | None = None) -> BookingSeries:
    """Change the purpose or the wall-clock time of the dates still to come.

    Cancelled dates stay cancelled and moved dates keep their own time; all the
    re-timed dates are checked again, and either all move or none does.
    """
    now = now or utcnow()
    series = get_series(series_id)
    if not _may_handle(user, series):
        raise NotAllowed(_l("Only the booker or the resource's organisation can change this."))
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput({"title": _l("Use at most %(n)d characters.", n=MAX_TITLE_LENGTH)})
    if (start_time is None) != (end_time is None):
        raise InvalidInput({"start_time": _l("Give both the new start and end time.")})
    if start_time is not None and end_time <= start_time:
        raise InvalidInput({"end_time": _l("The end must be after the start.")})
    return with_retries(lambda: _update_locked(series.id, title, start_time, end_time, now))


def _update_locked(series_id, title, start_time, end_time, now) -> BookingSeries:
    series = get_series(series_id)
    resource = lock_resource(series.resource_id)
    series = get_series(series_id)
    rules = resource.rules()
    upcoming = [b for b in series.bookings if b.occupies and b.end_at > now]
    if start_time is not None:
        _retime(resource, rules, [b for b in upcoming if not is_moved(b)], start_time, end_time, now)
    for booking in upcoming:
        if title is not None and booking.title != title.strip():
            booking.title = title.strip()
            booking.sequence += 1
    if title is not None:
        series.title = title.strip()
    series.sequence += 1
    commit_booking(Interval(series.first_start_at, series.first_end_at))
    return series


def _retime(resource, rules, bookings: list[Booking], start_time: time, end_time: time,
            now: datetime) -> None:
    """Give each date the new wall-clock times, all of them checked with one read, or none."""
    if not bookings:
        return
    bookings = sorted(bookings, key=lambda b: b.start_at)
    periods = [Interval(scheduling.at_local(day, start_time, rules.zone),
                        scheduling.at_local(day, end_time, rules.zone))
               for day in (to_zone(b.start_at, resource.timezone).date() for b in bookings)]
    # A series' dates all take the same number of places.
    verdicts = judge(resource, rules, periods, bookings[0].quantity, now,
                     with_alternatives=False, excluding=frozenset(b.id for b in bookings))
    if any(not v.ok for v in verdicts):
        db.session.rollback()
        raise SeriesConflict(verdicts)
    for booking, period in zip(bookings, periods):
        occupied = rules.occupied(period)
        booking.start_at, booking.end_at = period.start, period.end
        booking.occupied_start_at, booking.occupied_end_at = occupied.start, occupied.end
        booking.original_start_at = period.start
        booking.sequence += 1


def approve_series(user: User, series_id: int, *, now: datetime | None = None) -> list[Booking]:
    """Approve every pending date of a series at once, or none if any no longer fits."""
    series = get_series(series_id)
    if not can_manage_resource(user, series.resource):
        raise NotAllowed(_l("Only the resource's organisation can decide on this request."))
    return with_retries(lambda: _approve_locked(user, series.id))


def _approve_locked(user: User, series_id: int) -> list[Booking]:
    resource = lock_resource(get_series(series_id).resource_id)
    pending = [b for b in get_series(series_id).bookings if b.status is BookingStatus.PENDING]
    rules = resource.rules()
    verdicts = []
    for booking in pending:
        others = occupancies(resource, rules.occupied(booking.period), excluding=booking.id)
        # Notice and horizon are judged as when the request was made.
        verdicts.append(OccurrenceVerdict(booking.period, scheduling.check_booking(
            rules, booking.period, quantity=booking.quantity, occupying=others,
            now=booking.created_at)))
    if any(not v.ok for v in verdicts):
        db.session.rollback()
        raise SeriesConflict(verdicts)
    moment = utcnow()
    for booking in pending:
        booking.status = BookingStatus.CONFIRMED
        booking.decided_by_id, booking.decided_at = user.id, moment
        booking.sequence += 1
    db.session.commit()
    return pending
