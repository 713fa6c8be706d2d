"""Keeps the ledger (models.LedgerEntry, LedgerMonth) equal to the confirmed bookings.

`record` is called by services.changes.Change.commit, the one place every change of a
booking's state passes through, in the booking's transaction: it adds what the touched
bookings count now and takes away what they counted before. `rebuild` recounts a resource
whose time zone (its local days) or kind changed, from the event seam. tests/services/
test_ledger.py proves the tables equal to a brute-force sum over the bookings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking.events import Action, Event, ResourceChanged
from booking.extensions import db
from booking.models import Booking, BookingStatus, LedgerEntry, LedgerMonth, Resource
from booking.prepared import Prepared
from booking.scheduling import Interval
from booking.scheduling.availability import zone_named
from booking.scheduling.ledger import day_counts

if TYPE_CHECKING:
    from booking.services.changes import Change

Key = tuple[int, int, date]  # resource, borrowing organisation, local day
Counts = list[int]  # bookings, carried, seconds, place_seconds
COLUMNS = ("bookings", "carried", "seconds", "place_seconds")
MONTH_COLUMNS = ("bookings", "seconds", "place_seconds")
#: The key columns of a day row (the first three its primary key) and of a month row.
DAY_KEYS = ("resource_id", "borrower_organisation_id", "day", "owner_organisation_id")
MONTH_KEYS = ("month", "owner_organisation_id", "borrower_organisation_id", "kind")
BATCH = 500


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
    _apply(resource, {key: counts for key, counts in delta.items() if any(counts)})


def count_booking(booking: Booking) -> None:
    """Add one confirmed booking stored without a change (test set-ups, data imports)."""
    if booking.status is BookingStatus.CONFIRMED:
        resource = booking.resource
        totals: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0, 0])
        _count(totals, resource.id, booking.organisation_id, booking.period,
               zone_named(resource.timezone), booking.quantity, 1)
        _apply(resource, totals)


def rebuild(resource: Resource, *, old_kind: str | None = None) -> None:
    """Count the resource's confirmed bookings afresh (its time zone or kind changed).

    What it counted so far leaves the monthly table under *old_kind* (its kind until now).
    """
    counted = db.session.execute(
        sa.select(LedgerEntry.borrower_organisation_id, LedgerEntry.day, LedgerEntry.bookings,
                  LedgerEntry.seconds, LedgerEntry.place_seconds)
        .where(LedgerEntry.resource_id == resource.id))
    months: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    kind = old_kind or resource.kind.value
    for borrower, day, *counts in counted:
        total = months[(day.replace(day=1), resource.organisation_id, borrower, kind)]
        for index, value in enumerate(counts):
            total[index] -= value
    _upsert(LedgerMonth, ["month", "owner_organisation_id", "borrower_organisation_id", "kind"],
            MONTH_COLUMNS, months, _dialect())
    db.session.execute(sa.delete(LedgerEntry).where(LedgerEntry.resource_id == resource.id))
    zone = zone_named(resource.timezone)
    totals: dict[Key, Counts] = defaultdict(lambda: [0, 0, 0, 0])
    rows = db.session.execute(
        sa.select(Booking.organisation_id, Booking.start_at, Booking.end_at, Booking.quantity)
        .where(Booking.resource_id == resource.id,
               Booking.status == BookingStatus.CONFIRMED))
    for organisation_id, start, end, quantity in rows:
        _count(totals, resource.id, organisation_id, Interval(start, end), zone, quantity, 1)
    _apply(resource, totals)


def on_event(event: Event) -> None:
    """Subscriber: a resource in another time zone has new local days; of another kind, it
    counts under that kind."""
    if (isinstance(event, ResourceChanged) and event.action is Action.RESOURCE_CHANGED
            and ("timezone" in event.after or "kind" in event.after)):
        rebuild(event.resource, old_kind=event.before.get("kind"))


def _count(into: dict[Key, Counts], resource_id: int, organisation_id: int, period: Interval,
           zone, quantity: int, sign: int) -> None:
    for day, counts in day_counts(period, zone, quantity).items():
        total = into[(resource_id, organisation_id, day)]
        for index, value in enumerate(counts):
            total[index] += sign * value


def _apply(resource: Resource, delta: dict[Key, Counts]) -> None:
    """Add *delta* to the day rows and to the month rows, making the missing ones."""
    if not delta:
        return
    owner, kind = resource.organisation_id, resource.kind.value
    days = {(resource_id, borrower, day, owner): counts
            for (resource_id, borrower, day), counts in delta.items()}
    months: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_resource, borrower, day), (started, _carried, seconds, places) in delta.items():
        total = months[(day.replace(day=1), owner, borrower, kind)]
        total[0] += started
        total[1] += seconds
        total[2] += places
    months = {k: v for k, v in months.items() if any(v)}
    dialect = _dialect()
    if len(days) == 1 and len(months) == 1 and dialect == "postgresql":
        # The usual booking: one day row and one month row, written in one round trip.
        ((day_key, day_row_counts),), ((month_key, month_counts),) = days.items(), months.items()
        _day_and_month_statement().run({
            **_params("day_", DAY_KEYS, COLUMNS, day_key, day_row_counts),
            **_params("month_", MONTH_KEYS, MONTH_COLUMNS, month_key, month_counts)})
        return
    _upsert(LedgerEntry, list(DAY_KEYS), COLUMNS, days, dialect, conflict=3)
    _upsert(LedgerMonth, list(MONTH_KEYS), MONTH_COLUMNS, months, dialect)


def _params(prefix: str, keys: tuple[str, ...], columns: tuple[str, ...], key: tuple,
            counts: list[int]) -> dict:
    return {prefix + name: value for name, value in (*zip(keys, key), *zip(columns, counts))}


@cache
def _day_and_month_statement() -> Prepared:
    """PostgreSQL: the day upsert as a data-modifying CTE of the month upsert, one statement.

    The two rows are in different tables, so neither part needs the other's result; the
    order of locking (day row, then month row) stays that of the two statements.
    """
    day_table, month_table = LedgerEntry.__table__, LedgerMonth.__table__
    day = postgresql.insert(day_table).values(
        {name: sa.bindparam("day_" + name) for name in DAY_KEYS + COLUMNS})
    day = day.on_conflict_do_update(
        index_elements=list(DAY_KEYS[:3]),
        set_={name: day_table.c[name] + day.excluded[name] for name in COLUMNS})
    month = postgresql.insert(month_table).values(
        {name: sa.bindparam("month_" + name) for name in MONTH_KEYS + MONTH_COLUMNS})
    month = month.on_conflict_do_update(
        index_elements=list(MONTH_KEYS),
        set_={name: month_table.c[name] + month.excluded[name] for name in MONTH_COLUMNS})
    return Prepared(month.add_cte(day.cte("day_row")))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _upsert(model, keys: list[str], columns: tuple[str, ...], delta: dict, dialect: str, *,
            conflict: int | None = None) -> None:
    """Add each row of *delta* (key tuple -> counts) to the table, inserting missing rows.

    The first *conflict* key columns are the primary key (all of them by default). One
    statement per table, its parameters a row each (the driver's executemany for several).
    """
    if not delta:
        return
    stmt = _upsert_statement(model, dialect, tuple(keys), columns, conflict)
    rows = [{**dict(zip(keys, key)), **dict(zip(columns, counts))}
            for key, counts in sorted(delta.items())]  # in key order: no deadlocks between two
    for first in range(0, len(rows), BATCH):
        batch = rows[first:first + BATCH]
        stmt.run(batch if len(batch) > 1 else batch[0])


@cache
def _upsert_statement(model, dialect: str, keys: tuple[str, ...], columns: tuple[str, ...],
                      conflict: int | None) -> Prepared:
    """INSERT ... ON CONFLICT DO UPDATE adding the counts, built once per table and dialect.

    A statement built per call (with the rows as its VALUES) was compiled anew every time: a
    third of a booking's Python work (bench/speed.md). This one is compiled once and cached,
    and runs on the driver (booking.prepared).
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # Core: the ORM's bulk-insert machinery is not needed here
    stmt = insert(table)
    return Prepared(stmt.on_conflict_do_update(
        index_elements=list(keys[:conflict]),
        set_={name: table.c[name] + stmt.excluded[name] for name in columns}),
        column_keys=keys + columns)
