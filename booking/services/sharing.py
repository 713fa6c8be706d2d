"""The consortium's ledger read back: who lent what to whom, for a period, by resource kind.

Every figure comes from the ledger table (models.LedgerEntry, kept by services.ledger), so a
term over a million bookings is a sum over days. Only confirmed bookings count, by their part
inside the period, whose dates are read in each resource's own time zone; a booking by the
owner's own people is the owner's own use (owner = borrower). Who sees which rows is
permissions.can_see_ledger_row and its SQL twin.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from flask_babel import gettext as _, lazy_gettext as _l

from booking import limits
from booking.exceptions import InvalidInput, NotAllowed
from booking.extensions import db
from booking.models import (LedgerEntry, LedgerMonth, Organisation, Resource, ResourceKind,
                            Term, User)
from booking.permissions import can_see_sharing, ledger_visible
from booking.scheduling.ledger import open_seconds


@dataclass(frozen=True)
class Period:
    """Whole days, first and last included, read in each resource's zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def months(self) -> list[date]:
        """The first day of each month the period touches."""
        month, found = self.first.replace(day=1), []
        while month <= self.last:
            found.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return found


@dataclass(frozen=True)
class Party:
    id: int
    name: str


@dataclass(frozen=True)
class Row:
    """One owner × borrower cell: confirmed bookings, seconds and place-seconds."""

    owner: Party
    borrower: Party
    bookings: int
    seconds: int
    place_seconds: int

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)

    @property
    def place_hours(self) -> float:
        return round(self.place_seconds / 3600, 2)

    @property
    def own_use(self) -> bool:
        return self.owner.id == self.borrower.id


@dataclass
class Balance:
    """What one organisation lent to others and borrowed from them (hours), and its own use."""

    organisation: Party
    lent: int = 0
    borrowed: int = 0
    own: int = 0

    @property
    def net_hours(self) -> float:
        return round((self.lent - self.borrowed) / 3600, 2)


@dataclass(frozen=True)
class Usage:
    """Booked hours of one resource against its open hours in the period."""

    resource_id: int
    name: str
    owner: str
    booked: int
    open: int

    @property
    def ratio(self) -> float:
        return self.booked / self.open if self.open else 0.0


@dataclass
class Report:
    period: Period
    kind: str | None
    rows: list[Row]
    balances: list[Balance] = field(default_factory=list)
    months: list[tuple[date, int]] = field(default_factory=list)
    busiest: list[Usage] = field(default_factory=list)
    least_used: list[Usage] = field(default_factory=list)


def period_of(first: date | None, last: date | None) -> Period:
    """The period from *first* to *last*, or InvalidInput saying what is wrong."""
    errors = {}
    if first is None:
        errors["from"] = _l("Give the first day as YYYY-MM-DD.")
    if last is None:
        errors["to"] = _l("Give the last day as YYYY-MM-DD.")
    if not errors and last < first:
        errors["to"] = _l("The last day cannot be before the first.")
    if not errors and (last - first).days >= limits.MAX_STATISTICS_DAYS:
        errors["to"] = _l("Ask for at most %(n)d days at once.", n=limits.MAX_STATISTICS_DAYS)
    if errors:
        raise InvalidInput(errors)
    return Period(first, last)


def term_period(term: Term) -> Period:
    return Period(term.first_day, term.last_day)


def require_viewer(viewer: User) -> None:
    if not can_see_sharing(viewer):
        raise NotAllowed(_l("Only administrators see the sharing statistics."))


def check_kind(kind: str | None) -> str | None:
    if kind and kind not in {k.value for k in ResourceKind}:
        raise InvalidInput({"kind": _l("Choose a kind of resource from the list.")})
    return kind or None


def sharing_rows(viewer: User, period: Period, kind: str | None = None) -> list[Row]:
    """The owner × borrower table the viewer may see, largest hours first.

    Whole months come from the monthly table, the days before and after them from the daily
    one; the bookings carried into the first day from before the period count too.
    """
    require_viewer(viewer)
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    months, edges = _split(period)
    if months:
        stmt = (sa.select(LedgerMonth.owner_organisation_id,
                          LedgerMonth.borrower_organisation_id, sa.func.sum(LedgerMonth.bookings),
                          sa.func.sum(LedgerMonth.seconds), sa.func.sum(LedgerMonth.place_seconds))
                .where(LedgerMonth.month.between(*months), ledger_visible(viewer, LedgerMonth),
                       *([LedgerMonth.kind == kind] if kind else []))
                .group_by(LedgerMonth.owner_organisation_id,
                          LedgerMonth.borrower_organisation_id))
        _add(totals, db.session.execute(stmt))
    # One plain range per stretch of days (an OR of ranges would make SQLite merge row ids).
    group = (LedgerEntry.owner_organisation_id, LedgerEntry.borrower_organisation_id)
    for first, last in edges:
        _add(totals, db.session.execute(
            sa.select(*group, sa.func.sum(LedgerEntry.bookings), sa.func.sum(LedgerEntry.seconds),
                      sa.func.sum(LedgerEntry.place_seconds))
            .where(LedgerEntry.day.between(first, last), *_filters(viewer, kind))
            .group_by(*group)))
    # Bookings begun before the period and going on into it count once too.
    _add(totals, db.session.execute(
        sa.select(*group, sa.func.sum(LedgerEntry.carried), sa.literal(0), sa.literal(0))
        .where(LedgerEntry.day == period.first, *_filters(viewer, kind)).group_by(*group)))
    found = [(key, counts) for key, counts in totals.items() if counts[1] > 0]
    names = _names({key[0] for key, _c in found} | {key[1] for key, _c in found})
    rows = [Row(Party(owner, names[owner]), Party(borrower, names[borrower]), *counts)
            for (owner, borrower), counts in found]
    return sorted(rows, key=lambda r: (-r.seconds, r.owner.name, r.borrower.name))


def _split(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months inside the period (first days of the first and last), and the
    stretches of days before and after them."""
    start = period.first if period.first.day == 1 else _next_month(period.first)
    following = _next_month(period.last)  # the first day after the whole months:
    end = following if following - timedelta(days=1) == period.last else period.last.replace(
        day=1)
    if start >= end:
        return None, [(period.first, period.last)]
    edges = []
    if period.first < start:
        edges.append((period.first, start - timedelta(days=1)))
    if end <= period.last:
        edges.append((end, period.last))
    return (start, _previous_month(end)), edges


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _add(totals: dict, rows) -> None:
    for owner, borrower, count, seconds, place_seconds in rows:
        total = totals[(owner, borrower)]
        total[0] += int(count or 0)
        total[1] += int(seconds or 0)
        total[2] += int(place_seconds or 0)


def report(viewer: User, period: Period, kind: str | None = None) -> Report:
    """Everything the sharing page shows."""
    rows = sharing_rows(viewer, period, kind)
    result = Report(period, kind, rows, balances=balances(viewer, rows),
                    months=monthly(viewer, period, kind))
    usage = resource_usage(viewer, period, kind)
    ranked = sorted(usage, key=lambda u: (-u.ratio, u.name))
    result.busiest = ranked[:limits.RANKED_RESOURCES]
    result.least_used = list(reversed(ranked[-limits.RANKED_RESOURCES:]))
    return result


def balances(viewer: User, rows: list[Row]) -> list[Balance]:
    """Each organisation's hours lent to others, borrowed from them, and its own use."""
    found: dict[int, Balance] = {}

    def of(party: Party) -> Balance:
        return found.setdefault(party.id, Balance(party))

    for row in rows:
        if row.own_use:
            of(row.owner).own += row.seconds
        else:
            of(row.owner).lent += row.seconds
            of(row.borrower).borrowed += row.seconds
    if not viewer.is_platform_admin:  # only their own organisation's give and take
        found = {k: v for k, v in found.items() if k == viewer.organisation_id}
    return sorted(found.values(), key=lambda b: b.organisation.name)


def monthly(viewer: User, period: Period, kind: str | None = None) -> list[tuple[date, int]]:
    """Confirmed hours (seconds) the viewer may see, month by month in the period."""
    by_month: dict[date, int] = defaultdict(int)
    months, edges = _split(period)
    if months:
        stmt = (sa.select(LedgerMonth.month, sa.func.sum(LedgerMonth.seconds))
                .where(LedgerMonth.month.between(*months), ledger_visible(viewer, LedgerMonth),
                       *([LedgerMonth.kind == kind] if kind else []))
                .group_by(LedgerMonth.month))
        for month, seconds in db.session.execute(stmt):
            by_month[month] += int(seconds)
    if edges:
        stmt = (sa.select(LedgerEntry.day, sa.func.sum(LedgerEntry.seconds))
                .where(sa.or_(*[LedgerEntry.day.between(*e) for e in edges]),
                       *_filters(viewer, kind))
                .group_by(LedgerEntry.day))
        for day, seconds in db.session.execute(stmt):
            by_month[day.replace(day=1)] += int(seconds)
    return [(month, by_month.get(month, 0)) for month in period.months()]


def resource_usage(viewer: User, period: Period, kind: str | None = None) -> list[Usage]:
    """Booked ÷ open hours of the resources the viewer's rows are about (all, or its own)."""
    resources = sa.select(Resource).where(Resource.is_active).options(
        selectinload(Resource.windows), selectinload(Resource.closures),
        joinedload(Resource.organisation))
    if not viewer.is_platform_admin:
        resources = resources.where(Resource.organisation_id == viewer.organisation_id)
    if kind:
        resources = resources.where(Resource.kind == kind)
    stmt = (sa.select(LedgerEntry.resource_id, sa.func.sum(LedgerEntry.seconds))
            .where(LedgerEntry.day.between(period.first, period.last))
            .group_by(LedgerEntry.resource_id))
    if not viewer.is_platform_admin:  # its own resources only: far fewer rows to sum
        stmt = stmt.where(LedgerEntry.owner_organisation_id == viewer.organisation_id)
    booked = dict(db.session.execute(stmt).all())
    usage = []
    for resource in db.session.scalars(resources):
        opened = open_seconds(resource.rules(), period.first, period.last)
        usage.append(Usage(resource.id, resource.name, resource.organisation.name,
                           int(booked.get(resource.id) or 0), opened))
    return usage


def csv_text(rows: list[Row]) -> str:
    """The table as CSV for Excel and WPS: UTF-8 with a byte order mark, in the reader's words."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Owner"), _("Borrower"), _("Bookings"), _("Hours"), _("Place-hours")])
    for row in rows:
        writer.writerow([_safe(row.owner.name), _safe(row.borrower.name), row.bookings,
                         f"{row.hours:.2f}", f"{row.place_hours:.2f}"])
    return "\ufeff" + out.getvalue()


def _safe(text: str) -> str:
    """A name a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _filters(viewer: User, kind: str | None) -> list:
    filters = [ledger_visible(viewer)]
    if kind:
        filters.append(LedgerEntry.resource_id.in_(
            sa.select(Resource.id).where(Resource.kind == kind)))
    return filters


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
