"""Fair shares: how many hours each other organisation may hold on a resource per period.

A resource's admins may set `quota_hours` per `quota_per` ("week", "month", "term"): each
organisation but the owner may then hold at most that many hours (place-hours where the
resource has places) of pending and confirmed bookings inside each such period of the
resource's own calendar. A booking that crosses into the next period counts its part in each.
The rule is checked with every other in services.checks (CHECKS: `quota`), under the
resource's lock, so two bookings racing for the last hour never both get it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from booking.extensions import db
from booking.models import OCCUPYING_STATUSES, Booking, Resource, Term, User
from booking.scheduling import Interval
from booking.scheduling.availability import at_local, zone_named

PERIODS = ("week", "month", "term")


@dataclass(frozen=True)
class Allowance:
    """What the organisation may still book in the period around a moment."""

    period: Interval  # the week, month or term; its end is when the quota frees up
    per: str
    limit: int  # seconds (place-seconds)
    used: int

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def applies(booker: User, resource: Resource) -> bool:
    """A quota binds everyone but the owner's own people."""
    return (resource.quota_hours is not None and resource.quota_per in PERIODS
            and booker.organisation_id != resource.organisation_id)


def weight(resource: Resource, quantity: int) -> int:
    """Hours count once, or once per place where the resource has places."""
    return quantity if resource.capacity > 1 else 1


class Calendar:
    """The quota periods of one resource (weeks, months or terms in its zone), memoised."""

    def __init__(self, resource: Resource) -> None:
        self.resource, self.per = resource, resource.quota_per
        self.zone = zone_named(resource.timezone)
        self._terms: list[Term] | None = None

    def around(self, moment: datetime) -> Interval | None:
        """The period *moment* lies in; None where no term does (no quota then)."""
        day = moment.astimezone(self.zone).date()
        if self.per == "week":
            first = day - timedelta(days=day.weekday())
            return self._span(first, first + timedelta(days=7))
        if self.per == "month":
            first = day.replace(day=1)
            return self._span(first, (first + timedelta(days=32)).replace(day=1))
        for term in self.terms():
            if term.first_day <= day <= term.last_day:
                return self._span(term.first_day, term.last_day + timedelta(days=1))
        return None

    def touched(self, period: Interval) -> list[Interval]:
        """Every quota period *period* overlaps."""
        found, moment = [], period.start
        while moment < period.end:
            span = self.around(moment)
            if span is None:  # between terms: on to the next day
                day = moment.astimezone(self.zone).date() + timedelta(days=1)
                moment = at_local(day, time(0), self.zone)
                continue
            found.append(span)
            moment = span.end
        return found

    def terms(self) -> list[Term]:
        if self._terms is None:
            self._terms = list(db.session.scalars(sa.select(Term).order_by(Term.first_day)))
        return self._terms

    def _span(self, first: date, after: date) -> Interval:
        return Interval(at_local(first, time(0), self.zone), at_local(after, time(0), self.zone))


_BOOKING = Booking.__table__.c
# Built once: the check runs with every booking, and building the statement would cost more
# than running it (bench/sharing.md). No booking is longer than the resource's longest, so
# starts before the span minus that length cannot reach into it (the index is used fully).
_HOLDINGS = sa.select(_BOOKING.id, _BOOKING.start_at, _BOOKING.end_at, _BOOKING.quantity).where(
    _BOOKING.organisation_id == sa.bindparam("organisation"),
    _BOOKING.resource_id == sa.bindparam("resource"),
    _BOOKING.start_at >= sa.bindparam("earliest"), _BOOKING.start_at < sa.bindparam("end"),
    _BOOKING.end_at > sa.bindparam("start"),
    _BOOKING.status.in_(OCCUPYING_STATUSES))


def holdings(resource: Resource, organisation_id: int, span: Interval,
             excluding: Iterable[int] = ()) -> list[tuple[Interval, int]]:
    """The organisation's pending and confirmed bookings on the resource overlapping *span*."""
    lookback = timedelta(minutes=resource.longest_occupied_minutes)
    rows = db.session.connection().execute(_HOLDINGS, {
        "organisation": organisation_id, "resource": resource.id,
        "earliest": span.start - lookback, "end": span.end, "start": span.start})
    skip = set(excluding)
    return [(Interval(start, end), quantity) for booking_id, start, end, quantity in rows
            if booking_id not in skip]


def seconds_inside(period: Interval, span: Interval) -> int:
    part = period.intersection(span)
    return round(part.duration.total_seconds()) if part else 0


def allowance(booker: User, resource: Resource, moment: datetime) -> Allowance | None:
    """What the booker's organisation may still hold in the quota period around *moment*."""
    if not applies(booker, resource):
        return None
    span = Calendar(resource).around(moment)
    if span is None:
        return None
    used = sum(seconds_inside(p, span) * weight(resource, q)
               for p, q in holdings(resource, booker.organisation_id, span))
    return Allowance(span, resource.quota_per, round(resource.quota_hours * 3600), used)
