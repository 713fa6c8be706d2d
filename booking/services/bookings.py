"""Reserve, cancel, approve and reject: each use case one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from booking import scheduling
from booking.db_types import utcnow
from booking.exceptions import Conflict, InvalidInput, NotAllowed, NotFound, StateConflict
from booking.extensions import db
from booking.models import OCCUPYING_STATUSES, Booking, BookingStatus, Resource, User
from booking.permissions import can_cancel, can_decide, can_manage_resource, may_book
from booking.scheduling import BookingRules, Interval, Occupancy, Reason
from booking.scheduling.rules import DEFAULT_MAX_MINUTES
from booking.services.locking import (is_exclusion_violation, lock_resource,
                                      with_retries)

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST_YEARS_AHEAD = 10
MAX_TITLE_LENGTH = 300
MAX_LENGTH = timedelta(minutes=DEFAULT_MAX_MINUTES)
# How far around a refused time to look for alternatives.
ALTERNATIVES_SEARCH = timedelta(days=14)


@dataclass(frozen=True)
class BookingRequest:
    """What a person asks for; the service decides whether it fits."""

    resource_id: int
    start: datetime
    end: datetime
    quantity: int = 1
    title: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def period(self) -> Interval:
        return Interval(self.start, self.end)


def request_errors(start: datetime | None, end: datetime | None, quantity: int | None,
                   title: str | None, *, now: datetime) -> dict[str, str]:
    """Field errors that make a request impossible whatever the resource (an API's 422)."""
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        if value is None:
            errors[name] = _l("Give a date and time.")
        elif value.utcoffset() is None:
            errors[name] = _l("Give a time zone offset.")
        elif not EARLIEST <= value <= now.replace(year=now.year + LATEST_YEARS_AHEAD):
            errors[name] = _l("Pick a date between 2000 and %(years)d years from now.",
                              years=LATEST_YEARS_AHEAD)
    if not errors and end <= start:
        errors["end"] = _l("The end must be after the start.")
    elif not errors and end - start > MAX_LENGTH:
        errors["end"] = _l("A booking can last at most %(days)d days.", days=MAX_LENGTH.days)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        errors["quantity"] = _l("Book at least one place.")
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        errors["title"] = _l("Use at most %(n)d characters.", n=MAX_TITLE_LENGTH)
    return errors


def create_booking(user: User, request: BookingRequest, *, now: datetime | None = None) -> Booking:
    """Book the resource, or raise a domain error saying every reason it cannot be booked."""
    now = now or utcnow()
    if errors := request_errors(request.start, request.end, request.quantity, request.title,
                                now=now):
        raise InvalidInput(errors)
    return with_retries(lambda: _create_locked(user, request, now))


def _create_locked(user: User, request: BookingRequest, now: datetime) -> Booking:
    resource = lock_resource(request.resource_id)
    check_may_book(user, resource, request.quantity)
    rules = resource.rules()
    occupying = occupancies(resource, rules.occupied(request.period))
    if reasons := scheduling.check_booking(rules, request.period, quantity=request.quantity,
                                           occupying=occupying, now=now):
        raise _refusal(resource, rules, request, reasons, now)
    booking = new_booking(user, resource, rules, request)
    db.session.add(booking)
    commit_booking(request.period)
    return booking


def check_may_book(user: User, resource: Resource, quantity: int) -> None:
    """Refuse unknown, deactivated or unshared resources and impossible quantities."""
    if not resource.is_active:
        raise NotFound(_l("No such resource."))
    if not may_book(user, resource):
        raise NotAllowed(_l("Your organisation cannot book this resource."))
    if quantity > resource.capacity:
        raise InvalidInput({"quantity": _l("This resource has %(n)d places.",
                                           n=resource.capacity)})


def new_booking(user: User, resource: Resource, rules: BookingRules,
                request: BookingRequest) -> Booking:
    """A booking row for an accepted request; the caller adds and commits it."""
    occupied = rules.occupied(request.period)
    needs_approval = resource.approval_required and not can_manage_resource(user, resource)
    resource.longest_occupied_minutes = max(resource.longest_occupied_minutes,
                                            _minutes(occupied.duration))
    return Booking(resource=resource, user=user, organisation_id=user.organisation_id,
                   title=request.title.strip(), start_at=request.start, end_at=request.end,
                   occupied_start_at=occupied.start, occupied_end_at=occupied.end,
                   quantity=request.quantity, exclusive=resource.capacity == 1,
                   status=BookingStatus.PENDING if needs_approval else BookingStatus.CONFIRMED,
                   **request.extra)


def commit_booking(period: Interval) -> None:
    """Commit; the database's own no-overlap guarantee becomes a normal conflict."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        if is_exclusion_violation(exc):
            raise Conflict([Reason(scheduling.CONFLICT, (period,))]) from exc
        raise


def _refusal(resource: Resource, rules: BookingRules, request: BookingRequest,
             reasons: list[Reason], now: datetime) -> Conflict:
    alternatives = find_alternatives(resource, rules, request.period, request.quantity, now)
    db.session.rollback()
    return Conflict(reasons, alternatives)


def find_alternatives(resource: Resource, rules: BookingRules, period: Interval, quantity: int,
                      now: datetime) -> list[Interval]:
    """The nearest free times of the same length, a few before and after."""
    around = Interval(period.start - ALTERNATIVES_SEARCH, period.end + ALTERNATIVES_SEARCH)
    occupying = occupancies(resource, around.widened(
        timedelta(minutes=rules.buffer_before_minutes), timedelta(minutes=rules.buffer_after_minutes)))
    return scheduling.find_alternatives(rules, period, quantity=quantity, occupying=occupying,
                                        now=now, search_days=ALTERNATIVES_SEARCH.days)


def occupancies(resource: Resource, span: Interval, *, excluding: int | None = None
                ) -> list[Occupancy]:
    """What occupies the resource during *span*, read with a bounded index range."""
    stmt = _occupying_query(resource, span, Booking.id, Booking.occupied_start_at,
                            Booking.occupied_end_at, Booking.quantity)
    if excluding is not None:
        stmt = stmt.where(Booking.id != excluding)
    return [Occupancy(Interval(start, end), quantity, booking_id)
            for booking_id, start, end, quantity in db.session.execute(stmt)]


def occupying_bookings(resource: Resource, span: Interval) -> list[Booking]:
    """The pending and confirmed bookings that take the resource during *span*."""
    stmt = _occupying_query(resource, span, Booking).order_by(Booking.start_at)
    return list(db.session.scalars(stmt))


def _occupying_query(resource: Resource, span: Interval, *columns) -> sa.Select:
    # start < span.end AND end > span.start alone can use only half of the index: every
    # earlier booking would be read. No booking occupies longer than the longest ever made,
    # so starts before span.start minus that length cannot reach into the span.
    lookback = timedelta(minutes=resource.longest_occupied_minutes)
    return sa.select(*columns).where(
        Booking.resource_id == resource.id,
        Booking.occupied_start_at >= span.start - lookback,
        Booking.occupied_start_at < span.end,
        Booking.occupied_end_at > span.start,
        Booking.status.in_(OCCUPYING_STATUSES),
    )


def get_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(_l("No such booking."))
    return booking


def cancel_booking(user: User, booking_id: int) -> Booking:
    """Cancel a pending or confirmed booking; its time is free again at once."""
    booking = get_booking(booking_id)
    if not can_cancel(user, booking):
        raise NotAllowed(_l("Only the booker or the resource's organisation can cancel this."))
    if not booking.occupies:
        raise StateConflict(_l("This booking is already %(status)s.",
                               status=status_label(booking.status)))
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = utcnow()
    booking.cancelled_by_id = user.id
    booking.sequence += 1
    db.session.commit()
    return booking


def approve_booking(user: User, booking_id: int, *, now: datetime | None = None) -> Booking:
    """Confirm a pending booking after checking the rules again."""
    now = now or utcnow()
    booking = get_booking(booking_id)
    _check_decidable(user, booking)
    return with_retries(lambda: _approve_locked(user, booking.id, now))


def _approve_locked(user: User, booking_id: int, now: datetime) -> Booking:
    resource = lock_resource(get_booking(booking_id).resource_id)
    booking = get_booking(booking_id)
    _check_decidable(user, booking)
    if booking.end_at <= now:
        raise StateConflict(_l("This request is for a time that has passed."))
    rules = resource.rules()
    occupying = occupancies(resource, rules.occupied(booking.period), excluding=booking.id)
    # Notice and horizon are the booker's duties, judged when the request was made.
    reasons = scheduling.check_booking(rules, booking.period, quantity=booking.quantity,
                                       occupying=occupying, now=booking.created_at)
    if reasons:
        db.session.rollback()
        raise Conflict(reasons)
    _decide(user, booking, BookingStatus.CONFIRMED, "")
    commit_booking(booking.period)
    return booking


def reject_booking(user: User, booking_id: int, reason: str = "") -> Booking:
    """Turn a request down, with a reason the booker will see."""
    booking = get_booking(booking_id)
    _check_decidable(user, booking)
    if len(reason) > 500:
        raise InvalidInput({"reason": _l("Use at most %(n)d characters.", n=500)})
    _decide(user, booking, BookingStatus.REJECTED, reason.strip())
    db.session.commit()
    return booking


def _check_decidable(user: User, booking: Booking) -> None:
    if not can_decide(user, booking):
        raise NotAllowed(_l("Only the resource's organisation can decide on this request."))
    if booking.status is not BookingStatus.PENDING:
        raise StateConflict(_l("This booking is already %(status)s.",
                               status=status_label(booking.status)))


def _decide(user: User, booking: Booking, status: BookingStatus, reason: str) -> None:
    booking.status = status
    booking.decided_by_id = user.id
    booking.decided_at = utcnow()
    booking.decision_reason = reason
    booking.sequence += 1


def status_label(status: BookingStatus) -> str:
    return str({BookingStatus.PENDING: _l("pending"), BookingStatus.CONFIRMED: _l("confirmed"),
                BookingStatus.REJECTED: _l("rejected"),
                BookingStatus.CANCELLED: _l("cancelled")}[status])


def _minutes(delta: timedelta) -> int:
    return -(-int(delta.total_seconds()) // 60)
