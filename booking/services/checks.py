"""May this booking stand? One check path for booking, a series, moving, re-timing, approving.

`judge` answers for one period or for every date of a series, with one read of what occupies
the resource: first whether the booker's organisation may book it now (permissions.can_book,
a 403 otherwise), then every rule in CHECKS. A rule is a function of the `Proposal` that
returns, for each period, the reasons it breaks; adding a rule (a quota, say) is adding one
function to CHECKS, and a reason code with its sentence (scheduling.reasons, messages.py).
`require` turns refused verdicts into the Conflict that says why.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask_babel import lazy_gettext as _l

from booking import scheduling
from booking.exceptions import Conflict, InvalidInput, NotAllowed, SeriesConflict
from booking.extensions import db
from booking.db_types import utcnow
from booking.models import OCCUPYING_STATUSES, Booking, BookingStatus, Resource, User
from booking.permissions import bookable, can_book, can_manage_resource
from booking.prepared import Prepared
from booking.scheduling import BookingRules, Interval, Occupancy, Reason, Verdict
from booking.services import clashes, quotas

# Alternatives are searched near each refused date, for at most this many dates.
MAX_DATES_WITH_ALTERNATIVES = 50
# Other resources of the same kind looked at for the very same time.
MAX_OTHER_RESOURCES = 30


@dataclass(frozen=True)
class Proposal:
    """Periods a booker wants on a resource, with what else occupies it around them."""

    booker: User
    resource: Resource
    rules: BookingRules
    periods: tuple[Interval, ...]  # in time order: a series' dates
    quantity: int
    now: datetime | None  # None: notice and horizon were judged when the time was asked for
    taken: tuple[Occupancy, ...]  # by start; without the bookings being changed
    excluding: frozenset[int]  # the bookings being changed (moved, re-timed, decided)


Check = Callable[[Proposal], list[list[Reason]]]


def resource_rules(proposal: Proposal) -> list[list[Reason]]:
    """The resource's own rules (scheduling.check_booking) for each period in turn.

    A period that fits joins what is taken, so a series' dates never clash with each other.
    """
    rules, quantity = proposal.rules, proposal.quantity
    taken = list(proposal.taken)
    lookback = max([timedelta(minutes=proposal.resource.longest_occupied_minutes)]
                   + [rules.occupied(p).duration for p in proposal.periods])
    found = []
    for period in proposal.periods:
        occupied = rules.occupied(period)
        nearby = _near(taken, Interval(occupied.start - lookback, occupied.end))
        reasons = scheduling.check_booking(rules, period, quantity=quantity, occupying=nearby,
                                           now=proposal.now)
        if not reasons:
            insort(taken, Occupancy(occupied, quantity), key=_start)
        found.append(reasons)
    return found


def quota(proposal: Proposal) -> list[list[Reason]]:
    """Within the hours the booker's organisation may hold per week, month or term (issue 13).

    Pending and confirmed bookings count together, the ones being changed left out; a
    series' dates that fit count towards the dates after them. One read for all the periods.
    """
    resource, booker = proposal.resource, proposal.booker
    found: list[list[Reason]] = [[] for _ in proposal.periods]
    if not quotas.applies(booker, resource):
        return found
    calendar = quotas.Calendar(resource)
    spans = {p: calendar.touched(p) for p in proposal.periods}
    every = [s for touched in spans.values() for s in touched]
    if not every:
        return found
    held = quotas.holdings(resource, booker.organisation_id,
                           Interval(min(s.start for s in every), max(s.end for s in every)),
                           proposal.excluding)
    weight = quotas.weight(resource, proposal.quantity)
    limit = round(resource.quota_hours * 3600)
    used = {s: sum(quotas.seconds_inside(p, s) * quotas.weight(resource, q) for p, q in held)
            for s in set(every)}
    for index, period in enumerate(proposal.periods):
        wanted = {s: quotas.seconds_inside(period, s) * weight for s in spans[period]}
        over = [s for s, amount in wanted.items() if used[s] + amount > limit]
        if over:
            span = over[0]
            found[index].append(Reason(scheduling.QUOTA, intervals=(span,),
                                       limit=max(limit - used[span], 0) // 60,
                                       detail=resource.quota_per))
        else:
            for s, amount in wanted.items():
                used[s] += amount
    return found


def pending_limit(proposal: Proposal) -> list[list[Reason]]:
    """A new request may not join too many of the organisation's still waiting (issue 13).

    Only new requests (nothing being changed) that will wait for approval are counted
    against the resource's max_pending; a series is one request.
    """
    resource, booker = proposal.resource, proposal.booker
    found: list[list[Reason]] = [[] for _ in proposal.periods]
    if (resource.max_pending is None or proposal.excluding or not resource.approval_required
            or can_manage_resource(booker, resource)):
        return found
    waiting = db.session.scalar(sa.select(sa.func.count(sa.distinct(
        sa.func.coalesce(Booking.series_id * -1, Booking.id)))).where(
        Booking.resource_id == resource.id, Booking.organisation_id == booker.organisation_id,
        Booking.status == BookingStatus.PENDING, Booking.end_at > (proposal.now or utcnow())))
    if waiting >= resource.max_pending:
        for reasons in found:
            reasons.append(Reason(scheduling.TOO_MANY_REQUESTS, limit=resource.max_pending))
    return found


FAIR_SHARE_CODES = frozenset({scheduling.QUOTA, scheduling.TOO_MANY_REQUESTS})

#: Every rule a booking must keep to stand, in the order their reasons are told.
CHECKS: tuple[Check, ...] = (resource_rules, quota, pending_limit)


def judge(booker: User, resource: Resource, periods: Sequence[Interval], quantity: int, *,
          now: datetime | None, excluding: frozenset[int] = frozenset(),
          search_days: int = 0) -> list[Verdict]:
    """Whether each period may stand for *booker*, checked against every rule in CHECKS.

    Call it under the resource's lock (services.locking) when the answer decides a write.
    With *search_days*, refused periods get the nearest free alternatives within that many
    days. Raises NotAllowed if the booker's organisation may not book the resource now.
    """
    require_bookable(booker, resource, quantity)
    rules = resource.rules()
    taken = _taken(resource, rules, periods, excluding, timedelta(days=search_days))
    proposal = Proposal(booker, resource, rules, tuple(periods), quantity, now, tuple(taken),
                        excluding)
    found = [check(proposal) for check in CHECKS]
    verdicts = [Verdict(period, [reason for reasons in found for reason in reasons[index]])
                for index, period in enumerate(proposal.periods)]
    if search_days and now is not None:
        _add_alternatives(proposal, verdicts, search_days)
    return verdicts


def require_bookable(booker: User, resource: Resource, quantity: int) -> None:
    """Refuse a booker whose organisation may not book the resource, or too many places."""
    if not can_book(booker, resource):
        raise NotAllowed(_l("%(organisation)s cannot book this resource now.",
                            organisation=booker.organisation.name))
    if quantity > resource.capacity:
        raise InvalidInput({"quantity": _l("This resource has %(n)d places.",
                                           n=resource.capacity)})


def require(viewer: User, resource: Resource, verdicts: list[Verdict], *,
            series: bool = False) -> None:
    """Roll back and raise Conflict (SeriesConflict) unless every verdict lets its date stand."""
    if all(v.ok for v in verdicts):
        return
    conflict = _conflict(viewer, resource, verdicts, series=series)
    db.session.rollback()
    raise conflict


def _conflict(viewer: User, resource: Resource, verdicts: list[Verdict], *,
              series: bool) -> Conflict:
    """The conflict for refused verdicts, as *viewer* may be told it (services.clashes).

    Another organisation's booking ids are left out of the reasons; the times stay.
    """
    verdicts = clashes.seen_by(viewer, verdicts)
    buffers = (resource.buffer_before_minutes, resource.buffer_after_minutes)
    if series:
        return SeriesConflict(verdicts, zone=resource.timezone, buffers=buffers)
    first = verdicts[0]
    return Conflict(first.reasons, first.alternatives, zone=resource.timezone, verdict=first,
                    buffers=buffers)


def occupancies(resource: Resource, span: Interval, *,
                excluding: frozenset[int] = frozenset()) -> list[Occupancy]:
    """What occupies the resource during *span*, read with a bounded index range."""
    return [Occupancy(Interval(start, end), quantity, booking_id)
            for booking_id, start, end, quantity in _OCCUPANCIES.rows(
                _occupying_params(resource, span))
            if booking_id not in excluding]


def occupying_query(resource: Resource, span: Interval, *columns) -> sa.Select:
    """Pending and confirmed bookings whose occupied span overlaps *span*."""
    return _occupying_statement(columns).params(_occupying_params(resource, span))


@cache
def _occupying_statement(columns: tuple) -> sa.Select:
    """The conflict read, built once per set of columns (it runs in every booking)."""
    # start < span.end AND end > span.start alone can use only half of the index: every
    # earlier booking would be read. No booking occupies longer than the longest ever made,
    # so starts before span.start minus that length cannot reach into the span.
    return sa.select(*columns).where(
        Booking.resource_id == sa.bindparam("resource_id"),
        Booking.occupied_start_at >= sa.bindparam("earliest_start"),
        Booking.occupied_start_at < sa.bindparam("span_end"),
        Booking.occupied_end_at > sa.bindparam("span_start"),
        Booking.status.in_(OCCUPYING_STATUSES),
    )


# Every booking reads it: run on the driver (booking.prepared, issue 16).
_OCCUPANCIES = Prepared(_occupying_statement((Booking.id, Booking.occupied_start_at,
                                              Booking.occupied_end_at, Booking.quantity)))


def _occupying_params(resource: Resource, span: Interval) -> dict:
    lookback = timedelta(minutes=resource.longest_occupied_minutes)
    return {"resource_id": resource.id, "earliest_start": span.start - lookback,
            "span_end": span.end, "span_start": span.start}


def _taken(resource: Resource, rules: BookingRules, periods: Sequence[Interval],
           excluding: frozenset[int], search: timedelta) -> list[Occupancy]:
    whole = rules.occupied(Interval(min(p.start for p in periods), max(p.end for p in periods)))
    around = Interval(whole.start - search, whole.end + search)
    return sorted(occupancies(resource, around, excluding=excluding), key=_start)


def _near(taken: list[Occupancy], span: Interval) -> list[Occupancy]:
    low = bisect_left(taken, span.start, key=_start)
    high = bisect_left(taken, span.end, key=_start)
    return taken[low:high]


def _start(occupancy: Occupancy) -> datetime:
    return occupancy.period.start


def _add_alternatives(proposal: Proposal, verdicts: list[Verdict], search_days: int) -> None:
    """What else would do, for each refused date (closures say enough alone).

    Every date gets free times of the same length nearby. A single booking also gets the
    same time on the next days, the same time on other resources of the same kind the
    booker may book, and, when only places are short, how many are still free.
    """
    accepted = [Occupancy(proposal.rules.occupied(v.period), proposal.quantity)
                for v in verdicts if v.ok]
    taken = sorted([*proposal.taken, *accepted], key=_start)
    # Closures say enough alone; so do the fair-share rules, which another time of the same
    # week or month would break just the same.
    refused = [v for v in verdicts if not v.ok and not v.closed_only
               and not all(r.code in FAIR_SHARE_CODES for r in v.reasons)]
    # A series shows fewer per date: there may be many dates to read through.
    single = len(verdicts) == 1
    before, after = (2, 3) if single else (1, 2)
    rules, quantity, now = proposal.rules, proposal.quantity, proposal.now
    for verdict in refused[:MAX_DATES_WITH_ALTERNATIVES]:
        verdict.alternatives = scheduling.find_alternatives(
            rules, verdict.period, quantity=quantity, occupying=taken, now=now,
            before=before, after=after, search_days=search_days)
        if not single:
            continue
        nearby = set(verdict.alternatives)
        verdict.later_days = [p for p in scheduling.same_time_later(
            rules, verdict.period, quantity=quantity, occupying=taken, now=now,
            search_days=search_days) if p not in nearby]
        verdict.places_left = scheduling.fewer_places(rules, verdict.period, quantity=quantity,
                                                      occupying=taken, now=now)
        verdict.elsewhere = free_elsewhere(proposal.booker, proposal.resource, verdict.period,
                                           quantity, now)


def free_elsewhere(booker: User, resource: Resource, period: Interval, quantity: int,
                   now: datetime, *, most: int = 3) -> list[tuple[int, str]]:
    """Other resources of the same kind the booker may book (permissions.bookable) where the
    very same time is free: (id, name), by name, at most *most* of them."""
    others = db.session.scalars(
        sa.select(Resource).where(bookable(booker), Resource.kind == resource.kind,
                                  Resource.id != resource.id, Resource.capacity >= quantity)
        .options(selectinload(Resource.windows), selectinload(Resource.closures))
        .order_by(Resource.name, Resource.id).limit(MAX_OTHER_RESOURCES))
    found = []
    for other in others:
        rules = other.rules()
        occupying = occupancies(other, rules.occupied(period))
        if not scheduling.check_booking(rules, period, quantity=quantity, occupying=occupying,
                                        now=now):
            found.append((other.id, other.name))
            if len(found) == most:
                break
    return found
