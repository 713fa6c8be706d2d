"""The events subscriber that writes the outbox: cheap rows, in the change's transaction.

For each audience group one INSERT ... SELECT puts one row per recipient, carrying only ids,
the kind, the reason and the recipient's language; nothing is rendered here (the worker
renders each mail when it sends it). A series is one row per recipient with all its dates.
The statements are built once per kind of group and only their parameters change.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from booking.db_types import UTCDateTime, utcnow
from booking.events import Action, BookingsChanged, Event
from booking.extensions import db
from booking.models import MailState, Notification, User
from booking.notifications import audience

_VALUES = (("kind", sa.String), ("action", sa.String), ("actor_id", sa.Integer),
           ("resource_id", sa.Integer), ("booking_id", sa.Integer), ("series_id", sa.Integer),
           ("booking_ids", sa.JSON), ("reason", sa.String), ("itip", sa.String),
           ("created_at", UTCDateTime), ("next_attempt_at", UTCDateTime),
           ("mail_state", sa.String), ("attempts", sa.Integer), ("last_error", sa.String))


@cache
def statement(group: str) -> sa.Insert:
    """INSERT one row per person of *group* (audience.GROUPS), the actor left out."""
    people = sa.select(User.id, User.locale,
                       *(sa.bindparam(name, type_=kind) for name, kind in _VALUES)).where(
        audience.GROUPS[group], User.id != sa.bindparam("left_out_id"), User.is_active_account)
    return sa.insert(Notification.__table__).from_select(
        ("user_id", "language", *(name for name, _kind in _VALUES)), people)


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
    # Whoever made the change knows of it, except when it happened to them: an expiry is made
    # in the booker's name, and is news to the booker.
    left_out = 0 if event.action is Action.BOOKING_EXPIRED else event.actor.id
    values = {"action": event.action.value, "actor_id": event.actor.id, "left_out_id": left_out,
              "resource_id": resource.id, "booking_id": ids[0],
              "series_id": event.series.id if event.series is not None else None,
              "booking_ids": ids, "reason": event.reason or "", "created_at": now,
              "next_attempt_at": now, "mail_state": MailState.QUEUED.value, "attempts": 0,
              "last_error": ""}
    for group in groups:
        db.session.execute(statement(group.who.name), {
            **values, **group.who.params, "kind": group.kind.value, "itip": group.itip.value})
