"""Read-only lists of bookings and free slots for the booking pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking import scheduling
from booking.extensions import db
from booking.limits import PAGE_SIZE
from booking.models import OCCUPYING_STATUSES, Booking, BookingStatus, Resource, User
from booking.permissions import is_shared_with, managed
from booking.scheduling import Interval, Slot
from booking.services.checks import occupancies


def _with_relations(stmt: sa.Select) -> sa.Select:
    return stmt.options(joinedload(Booking.resource).joinedload(Resource.organisation),
                        joinedload(Booking.user), joinedload(Booking.organisation))


def my_bookings(user: User, *, upcoming: bool, now: datetime, limit: int = PAGE_SIZE,
                offset: int = 0) -> list[Booking]:
    """The person's bookings: upcoming soonest first, past most recent first."""
    stmt = sa.select(Booking).where(Booking.user_id == user.id)
    return _page(stmt, upcoming=upcoming, now=now, limit=limit, offset=offset)


def pending_requests(admin: User) -> list[Booking]:
    """Requests awaiting a decision on resources the person manages, oldest first."""
    stmt = (sa.select(Booking).join(Booking.resource)
            .where(Booking.status == BookingStatus.PENDING, managed(admin))
            .order_by(Booking.created_at, Booking.id))
    return list(db.session.scalars(_with_relations(stmt)))


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
