"""One home for every change of a booking's state: place, re-time, re-title, cancel, decide.

Each function sets together what belongs together: the time and the span it occupies
(buffers included), the resource's longest-occupied mark, `exclusive`, the status, `sequence`
(the booker's calendar notices the change) and `updated_at`. The use cases in bookings.py and
series.py check first (services.checks) and then call these under the resource's lock; each
records what it touched in a `Change`, which publishes one event and commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from booking import events, scheduling
from booking.db_types import utcnow
from booking.events import Action, BookingsChanged, BookingState
from booking.exceptions import Conflict
from booking.extensions import db
from booking.models import Booking, BookingSeries, BookingStatus, Resource, User
from booking.prepared import Prepared
from booking.permissions import can_manage_resource
from booking.scheduling import BookingRules, Interval, Reason
from booking.services import ledger
from booking.services.locking import is_exclusion_violation


class Change:
    """One use case's change to bookings of one resource: one event, one commit."""

    def __init__(self, action: Action, actor: User, resource: Resource, *,
                 series: BookingSeries | None = None, reason: str = "") -> None:
        self.action, self.actor, self.resource = action, actor, resource
        self.series, self.reason = series, reason
        self.at = utcnow()
        self.bookings: list[Booking] = []
        self.before: dict[int, BookingState] = {}
        # New bookings not in the session: commit() writes them with one Core INSERT each.
        self.unwritten: list[Booking] = []

    def touch(self, booking: Booking) -> None:
        """Remember how the booking was before its first change in this use case."""
        if booking.id is not None and booking.id not in self.before:
            self.before[booking.id] = BookingState(booking.start_at, booking.end_at,
                                                   booking.status)
            self.bookings.append(booking)

    def commit(self, *, keep_loaded: bool = False) -> None:
        """Flush, write the new bookings, publish the event, commit: subscribers' rows share
        the transaction.

        *keep_loaded*: the objects keep what this transaction wrote instead of being expired,
        so the caller can answer from them without reading them again.
        """
        try:
            db.session.flush()
            for booking in self.unwritten:
                _insert(booking, self.resource, self.actor)
            self.unwritten.clear()
        except IntegrityError as exc:
            times = tuple(b.period for b in self.bookings[:1])
            db.session.rollback()
            if is_exclusion_violation(exc):  # PostgreSQL's own no-overlap guarantee held
                raise Conflict([Reason(scheduling.CONFLICT, intervals=times)],
                               zone=self.resource.timezone) from exc
            raise
        ledger.record(self)
        events.publish(BookingsChanged(self.action, self.actor, tuple(self.bookings),
                                       self.series, dict(self.before), self.reason))
        session = db.session()
        expire, session.expire_on_commit = session.expire_on_commit, not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire


def place(change: Change, rules: BookingRules, period: Interval, *, quantity: int, title: str,
          series: BookingSeries | None = None) -> Booking:
    """A new booking for the change's actor; pending where the owner must approve it."""
    actor, resource = change.actor, change.resource
    # The keys: a booking without a series is written by Core, which needs no objects.
    booking = Booking(resource_id=resource.id, user_id=actor.id,
                      organisation_id=actor.organisation_id,
                      title=title.strip(), quantity=quantity,
                      original_start_at=period.start if series is not None else None,
                      status=_status_for(actor, resource), created_at=change.at,
                      updated_at=change.at, sequence=0)
    _occupy(booking, resource, rules, period)
    if series is None:
        # One row: written by change.commit() as a Core INSERT, which costs a fraction of
        # the ORM's unit of work for one object (issue 16); it then gets the change's
        # resource and actor as its resource and user.
        change.unwritten.append(booking)
    else:
        booking.resource, booking.user, booking.series = resource, actor, series
        db.session.add(booking)  # with its new series, in the flush's batched INSERTs
    change.bookings.append(booking)
    return booking


def retime(change: Change, booking: Booking, rules: BookingRules, period: Interval, *,
           as_planned: bool = False) -> None:
    """Give the booking a new time; unless the owner changed it, the owner decides again.

    *as_planned*: the series' pattern changed, so the new time is where the date is planned
    (iCal RECURRENCE-ID); otherwise a date of a series is moved away from its plan.
    """
    change.touch(booking)
    if booking.series_id is not None:
        booking.original_start_at = (period.start if as_planned
                                     else booking.original_start_at or booking.start_at)
    _occupy(booking, change.resource, rules, period)
    if booking.status is BookingStatus.CONFIRMED and _needs_approval(change.actor,
                                                                      change.resource):
        booking.status = BookingStatus.PENDING
        booking.decided_by_id = booking.decided_at = None
        booking.decision_reason = ""
    _changed(booking, change.at)


def retitle(change: Change, booking: Booking, title: str) -> None:
    """A new purpose, as the booker's calendar will show it."""
    if booking.title != title.strip():
        change.touch(booking)
        booking.title = title.strip()
        _changed(booking, change.at)


def cancel(change: Change, booking: Booking) -> None:
    """Free the booking's time at once."""
    change.touch(booking)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at, booking.cancelled_by_id = change.at, change.actor.id
    _changed(booking, change.at)


def decide(change: Change, booking: Booking, status: BookingStatus, reason: str = "") -> None:
    """The owner's answer to a request: confirmed or rejected."""
    change.touch(booking)
    booking.status = status
    booking.decided_by_id, booking.decided_at = change.actor.id, change.at
    booking.decision_reason = reason.strip()
    _changed(booking, change.at)


def expire(change: Change, booking: Booking, reason: str) -> None:
    """A request nobody decided in time: turned down by the system, its time freed."""
    change.touch(booking)
    booking.status = BookingStatus.REJECTED
    booking.decided_by_id, booking.decided_at = None, change.at
    booking.decision_reason = reason.strip()
    _changed(booking, change.at)


def series_changed(change: Change) -> None:
    """The series as a whole changed (its dates or its purpose): its own sequence goes up."""
    change.series.sequence += 1
    change.series.updated_at = change.at


def reoccupy(booking: Booking, resource: Resource, rules: BookingRules) -> None:
    """The resource's buffers or capacity changed: the same time takes a new span.

    The booker's time is unchanged, so their calendar has nothing to notice (no sequence).
    """
    _occupy(booking, resource, rules, booking.period)


def raise_longest_mark(resource: Resource, occupied: Interval) -> None:
    """Keep the mark that bounds conflict reads at least as long as *occupied*."""
    minutes = occupied_minutes(occupied)
    # Only a longer span writes: assigning the same value would still mark the resource
    # changed, and every booking's flush would then process it (hooks, history) for nothing.
    if minutes > resource.longest_occupied_minutes:
        resource.longest_occupied_minutes = minutes


def occupied_minutes(span: Interval) -> int:
    """Whole minutes, rounded up: the mark must never fall short of a span."""
    return -(-int(span.duration.total_seconds()) // 60)


def _occupy(booking: Booking, resource: Resource, rules: BookingRules, period: Interval) -> None:
    occupied = rules.occupied(period)
    booking.start_at, booking.end_at = period.start, period.end
    booking.occupied_start_at, booking.occupied_end_at = occupied.start, occupied.end
    booking.exclusive = rules.capacity == 1
    raise_longest_mark(resource, occupied)


_BOOKING = Booking.__table__
# Every column but the key, each run giving them all; on the driver (booking.prepared).
_INSERT_BOOKING = Prepared(sa.insert(_BOOKING).returning(_BOOKING.c.id),
                           column_keys=[c.key for c in _BOOKING.columns if c.key != "id"])


def _insert(booking: Booking, resource: Resource, user: User) -> None:
    """Write a new booking as it was set up here, then attach it to the session as if read,
    with *resource* and *user* (persistent) as its resource and user.

    Columns left unset take their defaults on the object as well, so the object holds
    exactly the row; after the INSERT it is persistent and clean (nothing to flush), and the
    event's subscribers and the API's answer read it like any loaded booking. The defaults
    and the two objects go in as loaded values: setting them through the attributes would
    record changes that attaching the object discards at once, and session.add() would
    cascade into the resource and the person, which are in the session already.
    """
    state = booking.__dict__
    row = {}
    for column in _BOOKING.columns:
        if column.key == "id":
            continue
        if column.key not in state:
            default = column.default
            state[column.key] = None if default is None else (
                default.arg(None) if default.is_callable else default.arg)
        row[column.key] = state[column.key]
    booking.id = _INSERT_BOOKING.scalar(row)
    make_transient_to_detached(booking)  # every value it holds now counts as loaded
    db.session.add(booking)
    set_committed_value(booking, "resource", resource)
    set_committed_value(booking, "user", user)


def _status_for(actor: User, resource: Resource) -> BookingStatus:
    return BookingStatus.PENDING if _needs_approval(actor, resource) else BookingStatus.CONFIRMED


def _needs_approval(actor: User, resource: Resource) -> bool:
    return resource.approval_required and not can_manage_resource(actor, resource)


def _changed(booking: Booking, at: datetime) -> None:
    booking.sequence += 1
    booking.updated_at = at
