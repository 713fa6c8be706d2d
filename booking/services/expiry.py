"""Requests nobody decided in time expire, so one request cannot hold a resource for months.

`expire_requests` turns down every pending booking made more than its resource's
`request_expiry_days` ago (status rejected, with the reason said), one change per request (a
series' waiting dates together) through services.changes, so each publishes one event
(Action.BOOKING_EXPIRED) the notifications tell the booker from. Run it daily:

    flask --app booking expire-requests
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from booking.db_types import utcnow
from booking.events import Action
from booking.extensions import db
from booking.models import Booking, BookingStatus, Resource
from booking.services import changes
from booking.services.changes import Change
from booking.services.locking import lock_resource, with_retries


def expire_requests(now: datetime | None = None) -> int:
    """Expire every request older than its resource allows; returns how many bookings."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Booking.id, Booking.resource_id, Booking.series_id, Booking.created_at,
                  Resource.request_expiry_days)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Booking.status == BookingStatus.PENDING,
               Booking.created_at < now - timedelta(days=1))).all()
    db.session.rollback()
    requests: dict[tuple[int, int], list[int]] = defaultdict(list)
    for booking_id, resource_id, series_id, created_at, days in rows:
        if created_at < now - timedelta(days=days):
            key = (resource_id, -series_id if series_id else booking_id)
            requests[key].append(booking_id)
    expired = 0
    for (resource_id, _request), ids in sorted(requests.items()):
        expired += with_retries(lambda: _expire_locked(resource_id, ids, now))
    return expired


def _expire_locked(resource_id: int, ids: list[int], now: datetime) -> int:
    resource = lock_resource(resource_id)
    found = list(db.session.scalars(sa.select(Booking).where(
        Booking.id.in_(ids), Booking.status == BookingStatus.PENDING).order_by(Booking.id)))
    if not found:
        db.session.rollback()
        return 0
    first = found[0]
    change = Change(Action.BOOKING_EXPIRED, first.user, resource, series=first.series)
    change.at = now
    reason = _("Nobody decided within %(n)d days, so the request expired.",
               n=resource.request_expiry_days)
    for booking in found:
        changes.expire(change, booking, reason)
    change.commit()
    return len(found)
