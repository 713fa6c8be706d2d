"""The events subscriber that writes the outbox: cheap rows, in the change's transaction.

For each audience group one INSERT ... SELECT puts one row per recipient, carrying only ids,
the kind, the reason and the recipient's language; nothing is rendered here (the worker
renders each mail when it sends it). A series is one row per recipient with all its dates.
"""

from __future__ import annotations

import sqlalchemy as sa

from booking.db_types import UTCDateTime, utcnow
from booking.events import BookingsChanged, Event
from booking.extensions import db
from booking.models import MailState, Notification, User
from booking.notifications import audience

_COLUMNS = ("user_id", "language", "kind", "action", "actor_id", "resource_id", "booking_id",
            "series_id", "booking_ids", "reason", "itip", "created_at", "next_attempt_at",
            "mail_state", "attempts", "last_error")


def on_event(event: Event) -> None:
    """events subscriber: queue a notification for everyone the change concerns."""
    if not isinstance(event, BookingsChanged) or not event.bookings:
        return
    resource = event.bookings[0].resource
    groups = list(audience.rules(event, resource))
    if not groups:
        return
    now = utcnow()
    ids = [b.id for b in event.bookings]
    table = Notification.__table__
    for group in groups:
        values = (
            sa.literal(group.kind.value, sa.String), sa.literal(event.action.value, sa.String),
            sa.literal(event.actor.id, sa.Integer), sa.literal(resource.id, sa.Integer),
            sa.literal(ids[0], sa.Integer),
            sa.literal(event.series.id if event.series is not None else None, sa.Integer),
            sa.literal(ids, sa.JSON), sa.literal(event.reason or "", sa.String),
            sa.literal(group.itip.value, sa.String), sa.literal(now, UTCDateTime),
            sa.literal(now, UTCDateTime), sa.literal(MailState.QUEUED.value, sa.String),
            sa.literal(0, sa.Integer), sa.literal("", sa.String))
        people = sa.select(User.id, User.locale, *values).where(
            group.who, User.id != event.actor.id, User.is_active_account)
        db.session.execute(sa.insert(table).from_select(_COLUMNS, people))
