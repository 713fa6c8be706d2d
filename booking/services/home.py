"""What a signed-in person meets on the start page: what is coming and what waits for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import OCCUPYING_STATUSES, Booking, BookingSeries, BookingStatus, Resource, User
from booking.permissions import persons_resources
from booking.services.listings import pending_requests

SHOWN = 5  # rows per list; each list links to its full page


@dataclass(frozen=True)
class SeriesSummary:
    """A series of the person's with dates still to come."""

    series: BookingSeries
    next_start: datetime
    dates_left: int
    pending: int


@dataclass
class Home:
    coming: list[Booking] = field(default_factory=list)  # confirmed, soonest first
    coming_total: int = 0
    pending: list[Booking] = field(default_factory=list)  # my requests awaiting a decision
    to_decide: list = field(default_factory=list)  # requests I decide on: Booking | SeriesRow
    to_decide_total: int = 0
    series: list[SeriesSummary] = field(default_factory=list)
    my_time: list[Resource] = field(default_factory=list)  # staff resources that name me
    booked_me: list[Booking] = field(default_factory=list)  # who booked my time, soonest first
    booked_me_total: int = 0


def home(user: User, *, now: datetime) -> Home:
    """The person's coming bookings, open requests both ways, series, and who booked their time."""
    page = Home()
    mine = sa.select(Booking).where(Booking.user_id == user.id, Booking.end_at > now)
    confirmed = mine.where(Booking.status == BookingStatus.CONFIRMED)
    page.coming = _first(confirmed.order_by(Booking.start_at, Booking.id))
    page.coming_total = _count(confirmed)
    page.pending = _first(mine.where(Booking.status == BookingStatus.PENDING)
                          .order_by(Booking.start_at, Booking.id), limit=None)
    if user.is_org_admin:
        waiting = pending_requests(user, now=now)  # a series is one request
        page.to_decide, page.to_decide_total = waiting[:SHOWN], len(waiting)
    page.series = my_series(user, now=now)
    page.my_time = list(db.session.scalars(sa.select(Resource).where(persons_resources(user))
                                           .order_by(Resource.name, Resource.id)))
    if page.my_time:
        booked = sa.select(Booking).where(
            Booking.resource_id.in_([r.id for r in page.my_time]), Booking.end_at > now,
            Booking.status.in_(OCCUPYING_STATUSES))
        page.booked_me = _first(booked.order_by(Booking.start_at, Booking.id))
        page.booked_me_total = _count(booked)
    return page


def my_series(user: User, *, now: datetime) -> list[SeriesSummary]:
    """The person's series that still have dates to come, the soonest first."""
    coming = (sa.select(Booking.series_id, sa.func.min(Booking.start_at), sa.func.count(),
                        sa.func.sum(sa.case((Booking.status == BookingStatus.PENDING, 1),
                                            else_=0)))
              .where(Booking.user_id == user.id, Booking.series_id.is_not(None),
                     Booking.end_at > now, Booking.status.in_(OCCUPYING_STATUSES))
              .group_by(Booking.series_id))
    rows = {series_id: (start, count, int(pending or 0))
            for series_id, start, count, pending in db.session.execute(coming)}
    if not rows:
        return []
    found = db.session.scalars(sa.select(BookingSeries)
                               .options(joinedload(BookingSeries.resource))
                               .where(BookingSeries.id.in_(rows)))
    summaries = [SeriesSummary(s, *rows[s.id]) for s in found]
    return sorted(summaries, key=lambda s: s.next_start)


def _first(stmt: sa.Select, limit: int | None = SHOWN) -> list[Booking]:
    stmt = stmt.options(joinedload(Booking.resource).joinedload(Resource.organisation),
                        joinedload(Booking.user), joinedload(Booking.organisation))
    return list(db.session.scalars(stmt if limit is None else stmt.limit(limit)))


def _count(stmt: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
