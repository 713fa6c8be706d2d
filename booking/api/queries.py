"""Read-only queries behind the API's list filters (nothing here writes)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import OCCUPYING_STATUSES, Booking, BookingStatus, Resource, User
from booking.permissions import can_find, details_visible, own_bookings


def findable_resource(viewer: User, resource_id: int) -> Resource | None:
    """The resource, if the viewer may find it (its zone reads offset-less times)."""
    resource = db.session.get(Resource, resource_id)
    return resource if resource is not None and can_find(viewer, resource) else None


def booking_with_relations(booking_id: int) -> Booking:
    """A booking with its resource and booker, in one query (after a commit expired them)."""
    return db.session.scalars(
        sa.select(Booking).where(Booking.id == booking_id)
        .options(joinedload(Booking.resource), joinedload(Booking.user))
        .execution_options(populate_existing=True)).one()


def bookings(viewer: User, *, resource: Resource | None = None, mine: bool = False,
             start: datetime | None = None, end: datetime | None = None,
             status: BookingStatus | None = None, limit: int, offset: int) -> list[Booking]:
    """Bookings the viewer may list, by start.

    Without a resource: those whose details the viewer may see (permissions.can_see_details).
    With one: also everyone else's pending and confirmed bookings, which the API shows as
    "busy" only.
    """
    stmt = sa.select(Booking).options(joinedload(Booking.resource), joinedload(Booking.user))
    if mine:
        stmt = stmt.where(own_bookings(viewer))
    if resource is not None:
        stmt = stmt.where(Booking.resource_id == resource.id,
                          sa.or_(details_visible(viewer), Booking.status.in_(OCCUPYING_STATUSES)))
    else:
        stmt = stmt.where(details_visible(viewer))
    if start is not None:
        stmt = stmt.where(Booking.end_at > start)
    if end is not None:
        stmt = stmt.where(Booking.start_at < end)
    if status is not None:
        stmt = stmt.where(Booking.status == status)
    stmt = stmt.order_by(Booking.start_at, Booking.id).limit(limit).offset(offset)
    return list(db.session.scalars(stmt))
