"""The bookings a refusal names, as the refused person may know them."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from booking import scheduling
from booking.extensions import db
from booking.models import Booking, BookingStatus, User
from booking.scheduling import Clash, Reason


def clashes(reasons: Iterable[Reason], person: User) -> dict[int, Clash]:
    """The clashing bookings of *reasons* by id: their own times, whether mine, whether pending.

    Only times and state: never another organisation's purpose.
    """
    ids = {i for reason in reasons if reason.code == scheduling.CONFLICT
           for i in reason.booking_ids}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Booking.id, Booking.start_at, Booking.end_at,
                                        Booking.user_id, Booking.status)
                              .where(Booking.id.in_(ids)))
    return {booking_id: Clash(booking_id, scheduling.Interval(start, end),
                              mine=user_id == person.id, pending=status == BookingStatus.PENDING)
            for booking_id, start, end, user_id, status in rows}
