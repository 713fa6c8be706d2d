"""Read-only lists of bookings and free slots for the booking pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking import scheduling
from booking.extensions import db
from booking.limits import PAGE_SIZE
from booking.models import (OCCUPYING_STATUSES, Booking, BookingSeries, BookingStatus, Resource,
                            User)
from booking.permissions import is_shared_with, managed, own_bookings
from booking.scheduling import Interval, Slot
from booking.services.checks import occupancies


def _with_relations(stmt: sa.Select) -> sa.Select:
    return stmt.options(joinedload(Booking.resource).joinedload(Resource.organisation),
                        joinedload(Booking.user), joinedload(Booking.organisation),
                        joinedload(Booking.series))


def my_bookings(user: User, *, upcoming: bool, now: datetime, limit: int = PAGE_SIZE,
                offset: int = 0) -> list[Booking]:
    """The person's own bookings (permissions.own_bookings): upcoming soonest first, past most
    recent first. A mentor's own include the bookings of their time."""
    stmt = sa.select(Booking).where(own_bookings(user))
    return _page(stmt, upcoming=upcoming, now=now, limit=limit, offset=offset)


@dataclass
class SeriesRow:
    """The dates of one series on a list, folded into one row where its first date falls."""

    series: BookingSeries
    bookings: list[Booking] = field(default_factory=list)

    @property
    def resource(self) -> Resource:
        return self.series.resource

    def count(self, status: str) -> int:
        return sum(1 for b in self.bookings if b.status.value == status)


#: How many of the person's bookings one list page folds into its rows.
FOLDED = 500


def my_booking_rows(user: User, *, upcoming: bool, now: datetime,
                    limit: int = PAGE_SIZE) -> list[Booking | SeriesRow]:
    """My bookings with each series folded into one row (issue 14): a booking or a SeriesRow."""
    return fold_series(my_bookings(user, upcoming=upcoming, now=now, limit=FOLDED))[:limit]


def fold_series(bookings: list[Booking]) -> list[Booking | SeriesRow]:
    """The bookings in their order, each series' dates folded into one row where it first
    appears; a single date of a series stays a plain booking."""
    rows: list[Booking | SeriesRow] = []
    folded: dict[int, SeriesRow] = {}
    for booking in bookings:
        if booking.series_id is None:
            rows.append(booking)
        elif (row := folded.get(booking.series_id)) is not None:
            row.bookings.append(booking)
        else:
            row = folded[booking.series_id] = SeriesRow(booking.series, [booking])
            rows.append(row)
    return [row.bookings[0] if isinstance(row, SeriesRow) and len(row.bookings) == 1 else row
            for row in rows]


def pending_requests(admin: User, *, now: datetime | None = None,
                     limit: int = FOLDED) -> list[Booking | SeriesRow]:
    """Requests awaiting a decision on resources the person manages, oldest first; the
    pending dates of one series are one request (approve all, or date by date)."""
    stmt = (sa.select(Booking).join(Booking.resource)
            .where(Booking.status == BookingStatus.PENDING, managed(admin))
            .order_by(Booking.created_at, Booking.start_at, Booking.id))
    if now is not None:
        stmt = stmt.where(Booking.end_at > now)
    return fold_series(list(db.session.scalars(_with_relations(stmt).limit(limit))))


def pending_request_count(admin: User) -> int:
    """How many requests await the person's decision (the count on *Requests*)."""
    stmt = (sa.select(sa.func.count()).select_from(Booking).join(Booking.resource)
            .where(Booking.status == BookingStatus.PENDING, managed(admin)))
    return db.session.scalar(stmt) or 0


def organisation_resource_bookings(admin: User, *, upcoming: bool, now: datetime,
                                   limit: int = PAGE_SIZE, offset: int = 0) -> list[Booking]:
    """Bookings of the resources the admin's organisation owns."""
    stmt = (sa.select(Booking).join(Booking.resource)
            .where(Resource.organisation_id == admin.organisation_id))
    return _page(stmt, upcoming=upcoming, now=now, limit=limit, offset=offset)


def _page(stmt: sa.Select, *, upcoming: bool, now: datetime, limit: int,
          offset: int) -> list[Booking]:
    """Upcoming bookings soonest first, or past ones most recent first, one page of them."""
    if upcoming:
        stmt = stmt.where(Booking.end_at > now).order_by(Booking.start_at, Booking.id)
    else:
        stmt = stmt.where(Booking.end_at <= now).order_by(Booking.start_at.desc(), Booking.id)
    return list(db.session.scalars(_with_relations(stmt).limit(limit).offset(offset)))


def upcoming_free_slots(resource: Resource, *, now: datetime, days: int = 7) -> list[Slot]:
    """The free slots of a slot-based resource over the coming days."""
    if not resource.slot_minutes or not resource.is_active:
        return []
    span = Interval(now, now + timedelta(days=days))
    rules = resource.rules()
    occupying = occupancies(resource, rules.occupied(span))
    return scheduling.free_slots(rules, span, occupying=occupying, now=now)


def kept_without_access(resource: Resource, *, now: datetime) -> list[Booking]:
    """Bookings to come by people who could not book the resource now: they stand as made.

    Sharing changes and suspensions never cancel what was agreed; the owner sees the list
    on the resource's page and may cancel any of them.
    """
    stmt = (sa.select(Booking).where(Booking.resource_id == resource.id,
                                     Booking.status.in_(OCCUPYING_STATUSES),
                                     Booking.end_at > now)
            .options(joinedload(Booking.user), joinedload(Booking.organisation))
            .order_by(Booking.start_at, Booking.id))
    return [b for b in db.session.scalars(stmt)
            if not (b.user.is_active and is_shared_with(b.user, resource))]
