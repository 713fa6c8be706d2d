"""Keeps the ledger (models.LedgerEntry) equal to the confirmed bookings, in their transaction.

`record` is called by services.changes.Change.commit, the one place every change of a
booking's state passes through: it adds what the touched bookings count now and takes away
what they counted before. `rebuild` recounts a resource whose time zone changed (its local
days moved), from the event seam. tests/services/test_ledger.py proves the table equal to a
brute-force sum over the bookings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking.events import Action, Event, ResourceChanged
from booking.extensions import db
from booking.models import Booking, BookingStatus, LedgerEntry, Resource
from booking.scheduling import Interval
from booking.scheduling.availability import zone_named
from booking.scheduling.ledger import day_counts

if TYPE_CHECKING:
    from booking.services.changes import Change

Key = tuple[int, int, date]  # resource, borrowing organisation, local day
Counts = list[int]  # bookings, carried, seconds, place_seconds
COLUMNS = ("bookings", "carried", "seconds", "place_seconds")


def record(change: Change) -> None:
    """Add the change's effect on confirmed time to the ledger (after flush, before commit)."""
    resource = change.resource
    zone = zone_named(resource.timezone)
    delta: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0, 0])
    for booking in change.bookings:
        before = change.before.get(booking.id) if booking.id is not None else None
        if before is not None and before.status is BookingStatus.CONFIRMED:
            _count(delta, resource.id, booking.organisation_id,
                   Interval(before.start_at, before.end_at), zone, booking.quantity, -1)
        if booking.status is BookingStatus.CONFIRMED:
            _count(delta, resource.id, booking.organisation_id, booking.period, zone,
                   booking.quantity, +1)
    _apply(resource.id, resource.organisation_id,
           {key: counts for key, counts in delta.items() if any(counts)})


def count_booking(booking: Booking) -> None:
    """Add one confirmed booking stored without a change (test set-ups, data imports)."""
    if booking.status is BookingStatus.CONFIRMED:
        resource = booking.resource
        totals: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0, 0])
        _count(totals, resource.id, booking.organisation_id, booking.period,
               zone_named(resource.timezone), booking.quantity, 1)
        _apply(resource.id, resource.organisation_id, totals)


def rebuild(resource: Resource) -> None:
    """Count the resource's confirmed bookings afresh (its time zone changed)."""
    db.session.execute(sa.delete(LedgerEntry).where(LedgerEntry.resource_id == resource.id))
    zone = zone_named(resource.timezone)
    totals: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0, 0])
    rows = db.session.execute(
        sa.select(Booking.organisation_id, Booking.start_at, Booking.end_at, Booking.quantity)
        .where(Booking.resource_id == resource.id,
               Booking.status == BookingStatus.CONFIRMED))
    for organisation_id, start, end, quantity in rows:
        _count(totals, resource.id, organisation_id, Interval(start, end), zone, quantity, 1)
    _apply(resource.id, resource.organisation_id, totals)


def on_event(event: Event) -> None:
    """Subscriber: a resource moved to another time zone has new local days."""
    if (isinstance(event, ResourceChanged) and event.action is Action.RESOURCE_CHANGED
            and "timezone" in event.after):
        rebuild(event.resource)


def _count(into: dict[Key, Counts], resource_id: int, organisation_id: int, period: Interval,
           zone, quantity: int, sign: int) -> None:
    for day, counts in day_counts(period, zone, quantity).items():
        total = into[(resource_id, organisation_id, day)]
        for index, value in enumerate(counts):
            total[index] += sign * value


def _apply(resource_id: int, owner_id: int, delta: dict[Key, Counts]) -> None:
    """Add *delta* to the rows, making the missing ones (one statement per 500 rows)."""
    if not delta:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"resource_id": key[0], "borrower_organisation_id": key[1], "day": key[2],
             "owner_organisation_id": owner_id, **dict(zip(COLUMNS, counts))}
            for key, counts in sorted(delta.items())]
    for first in range(0, len(rows), 500):
        stmt = insert(LedgerEntry).values(rows[first:first + 500])
        stmt = stmt.on_conflict_do_update(
            index_elements=["resource_id", "borrower_organisation_id", "day"],
            set_={name: getattr(LedgerEntry, name) + getattr(stmt.excluded, name)
                  for name in COLUMNS})
        db.session.execute(stmt)
