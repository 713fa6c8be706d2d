"""Book, move, cancel, approve and reject one booking: each use case one transaction.

Every use case checks through services.checks (may this booking stand?) and changes state
through services.changes (one home for each change, one event, one commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from booking import limits
from booking.db_types import utcnow
from booking.events import Action
from booking.exceptions import InvalidInput, NotAllowed, NotFound, StateConflict
from booking.extensions import db
from booking.models import Booking, BookingStatus, User
from booking.permissions import can_cancel, can_change, can_decide, can_see_booking
from booking.scheduling import Interval
from booking.services import changes, checks
from booking.services.changes import Change
from booking.services.locking import lock_findable, lock_resource, with_retries

# How far around a refused time to look for alternatives.
ALTERNATIVES_DAYS = 14


@dataclass(frozen=True)
class BookingRequest:
    """What a person asks for; the service decides whether it fits."""

    resource_id: int
    start: datetime
    end: datetime
    quantity: int = 1
    title: str = ""

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
        elif not limits.is_bookable_moment(value, now):
            errors[name] = _l("Pick a date between %(first)d and %(years)d years from now.",
                              first=limits.FIRST_YEAR, years=limits.BOOKING_YEARS_AHEAD)
    if not errors and end <= start:
        errors["end"] = _l("The end must be after the start.")
    elif not errors and end - start > limits.MAX_BOOKING_LENGTH:
        errors["end"] = _l("A booking can last at most %(days)d days.",
                           days=limits.MAX_BOOKING_LENGTH.days)
    if (not isinstance(quantity, int) or isinstance(quantity, bool)
            or not 1 <= quantity <= limits.MAX_CAPACITY):
        errors["quantity"] = _l("Book at least one place.")
    if title is not None and len(title) > limits.TITLE_LENGTH:
        errors["title"] = _l("Use at most %(n)d characters.", n=limits.TITLE_LENGTH)
    return errors


def create_booking(booker: User | int, request: BookingRequest, *,
                   now: datetime | None = None) -> Booking:
    """Book the resource, or raise a domain error saying every reason it cannot be booked.

    *booker*: the person, or the id of one not read yet (the API's caller): they are read
    with the resource the booking locks, once.
    """
    now = now or utcnow()
    if errors := request_errors(request.start, request.end, request.quantity, request.title,
                                now=now):
        raise InvalidInput(errors)
    return with_retries(lambda: _create_locked(booker, request, now))


def _create_locked(booker: User | int, request: BookingRequest, now: datetime) -> Booking:
    resource, user = lock_findable(booker, request.resource_id)
    wanted = ([request.period], request.quantity)
    if not checks.judge(user, resource, *wanted, now=now)[0].ok:
        refused = checks.judge(user, resource, *wanted, now=now, search_days=ALTERNATIVES_DAYS)
        checks.require(user, resource, refused)
    change = Change(Action.BOOKING_CREATED, user, resource)
    booking = changes.place(change, resource.rules(), request.period,
                            quantity=request.quantity, title=request.title)
    change.commit(keep_loaded=True)  # the answer is what was written: no second read
    return booking


def move_booking(user: User, booking_id: int, start: datetime, end: datetime, *,
                 now: datetime | None = None) -> Booking:
    """Give one booking (alone or a date of a series) another time, checked like a new one.

    On a resource that needs approval, a time changed by anyone but the owner's admins goes
    back to pending: the owner decides again.
    """
    now = now or utcnow()
    if errors := request_errors(start, end, 1, None, now=now):
        raise InvalidInput(errors)
    booking = changeable_booking(user, booking_id)
    return with_retries(lambda: _move_locked(user, booking.resource_id, booking.id,
                                             Interval(start, end), now))


def _move_locked(user: User, resource_id: int, booking_id: int, period: Interval,
                 now: datetime) -> Booking:
    resource = lock_resource(resource_id)
    booking = get_booking(booking_id)
    if not booking.occupies:
        raise StateConflict(_l("Only a pending or confirmed booking can be moved."))
    wanted = ([period], booking.quantity)
    options = {"now": now, "excluding": frozenset({booking.id})}
    if not checks.judge(booking.user, resource, *wanted, **options)[0].ok:
        refused = checks.judge(booking.user, resource, *wanted, **options,
                               search_days=ALTERNATIVES_DAYS)
        checks.require(user, resource, refused)
    change = Change(Action.BOOKING_MOVED, user, resource, series=booking.series)
    changes.retime(change, booking, resource.rules(), period)
    change.commit()
    return booking


def cancel_booking(user: User, booking_id: int) -> Booking:
    """Cancel a pending or confirmed booking; its time is free again at once."""
    booking = cancellable_booking(user, booking_id)
    if not booking.occupies:
        raise StateConflict(_l("This booking is already %(status)s.",
                               status=status_label(booking.status)))
    change = Change(Action.BOOKING_CANCELLED, user, booking.resource, series=booking.series)
    changes.cancel(change, booking)
    change.commit()
    return booking


def approve_booking(user: User, booking_id: int, *, now: datetime | None = None) -> Booking:
    """Confirm a pending booking after checking the rules and the booker's access again."""
    now = now or utcnow()
    booking = _decidable(user, booking_id)
    return with_retries(lambda: _approve_locked(user, booking.resource_id, booking.id, now))


def _approve_locked(user: User, resource_id: int, booking_id: int, now: datetime) -> Booking:
    resource = lock_resource(resource_id)
    booking = _decidable(user, booking_id)
    if booking.end_at <= now:
        raise StateConflict(_l("This request is for a time that has passed."))
    # Notice and horizon bound the booker, and were judged when the time was asked for.
    verdicts = checks.judge(booking.user, resource, [booking.period], booking.quantity,
                            now=None, excluding=frozenset({booking.id}))
    checks.require(user, resource, verdicts)
    change = Change(Action.BOOKING_APPROVED, user, resource, series=booking.series)
    changes.decide(change, booking, BookingStatus.CONFIRMED)
    change.commit()
    return booking


def reject_booking(user: User, booking_id: int, reason: str = "") -> Booking:
    """Turn a request down, with a reason the booker will see."""
    booking = _decidable(user, booking_id)
    check_reason(reason)
    change = Change(Action.BOOKING_REJECTED, user, booking.resource, series=booking.series,
                    reason=reason.strip())
    changes.decide(change, booking, BookingStatus.REJECTED, reason)
    change.commit()
    return booking


def check_reason(reason: str) -> None:
    """A rejection's reason is short enough for the booker to read."""
    if len(reason) > limits.DECISION_REASON_LENGTH:
        raise InvalidInput({"reason": _l("Use at most %(n)d characters.",
                                         n=limits.DECISION_REASON_LENGTH)})


def get_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id) if 0 < booking_id <= limits.MAX_ID else None
    if booking is None:
        raise NotFound(_l("No such booking."))
    return booking


def visible_booking(user: User, booking_id: int) -> Booking:
    """The booking, if it exists for the person (permissions.can_see_booking); else 404."""
    booking = get_booking(booking_id)
    if not can_see_booking(user, booking):
        raise NotFound(_l("No such booking."))
    return booking


def changeable_booking(user: User, booking_id: int) -> Booking:
    """A booking the person may cancel or move: the booker, or the owner's admins."""
    booking = visible_booking(user, booking_id)
    if not can_change(user, booking):
        raise NotAllowed(_l("Only the booker or the resource's organisation can change this."))
    return booking


def cancellable_booking(user: User, booking_id: int) -> Booking:
    """A booking the person may cancel: as changeable_booking, and the person it names."""
    booking = visible_booking(user, booking_id)
    if not can_cancel(user, booking):
        raise NotAllowed(_l("Only the booker, the resource's organisation or the person whose "
                            "time it is can cancel this."))
    return booking


def _decidable(user: User, booking_id: int) -> Booking:
    booking = visible_booking(user, booking_id)
    if not can_decide(user, booking):
        raise NotAllowed(_l("Only the resource's organisation can decide on this request."))
    if booking.status is not BookingStatus.PENDING:
        raise StateConflict(_l("This booking is already %(status)s.",
                               status=status_label(booking.status)))
    return booking


def status_label(status: BookingStatus) -> str:
    return str({BookingStatus.PENDING: _l("pending"), BookingStatus.CONFIRMED: _l("confirmed"),
                BookingStatus.REJECTED: _l("rejected"),
                BookingStatus.CANCELLED: _l("cancelled")}[status])
