"""The bookings a refusal names, as the refused person may know them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlalchemy as sa

from booking import scheduling
from booking.extensions import db
from booking.models import Booking, BookingStatus, User
from booking.permissions import details_visible
from booking.scheduling import Clash, Reason, Verdict


def seen_by(person: User, verdicts: Sequence[Verdict]) -> list[Verdict]:
    """*verdicts* as *person* may be told them, in every answer (pages and API alike).

    Each clash comes with the other booking's own times, whether it is the person's own and
    whether it is still pending; booking ids stay only where the person may see the
    booking's details. Never another organisation's purpose, nor its booking ids.
    """
    ids = {i for verdict in verdicts for reason in verdict.reasons for i in reason.booking_ids}
    if not ids:
        return list(verdicts)
    visible = set(db.session.scalars(sa.select(Booking.id).where(Booking.id.in_(ids),
                                                                details_visible(person))))
    rows = db.session.execute(sa.select(Booking.id, Booking.start_at, Booking.end_at,
                                        Booking.user_id, Booking.status)
                              .where(Booking.id.in_(ids)))
    found = {booking_id: Clash(booking_id if booking_id in visible else None,
                               scheduling.Interval(start, end), mine=user_id == person.id,
                               pending=status == BookingStatus.PENDING)
             for booking_id, start, end, user_id, status in rows}
    return [replace(verdict, reasons=[_seen(reason, found, visible)
                                      for reason in verdict.reasons])
            for verdict in verdicts]


def _seen(reason: Reason, found: dict[int, Clash], visible: set[int]) -> Reason:
    clashes = (tuple(found[i] for i in reason.booking_ids if i in found)
               if reason.code == scheduling.CONFLICT else ())
    return replace(reason, booking_ids=tuple(i for i in reason.booking_ids if i in visible),
                   clashes=clashes)
