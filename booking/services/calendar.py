"""What the calendar pages read: a fixed number of queries per page, however busy.

Each page batches its reads: one query for the resources (their windows, closures and
organisations come in one `IN` query each), one for all their bookings in the span. The
booking query is the bounded range read of services.bookings: only starts after the span's
start minus the longest booking the resources ever had can reach into the span.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from booking.calendar_grid import BookingRecord, lookahead
from booking.exceptions import NotFound
from booking.extensions import db
from booking.limits import MAX_ID
from booking.lru import LruCache
from booking.models import (OCCUPYING_STATUSES, AvailabilityWindow, Booking, Closure, Organisation,
                            Resource, ResourceKind, User, resource_allowed_organisation)
from booking.notifications.inbox import unread_count_of
from booking.permissions import bookable, can_find, can_see_details, findable, offered, own_bookings
from booking.prepared import Prepared
from booking.scheduling import BookingRules, Interval, Occupancy
from booking.services import calendar_cache
from booking.services.calendar_cache import viewer_key
from booking.services.resources import matching


@dataclass(frozen=True)
class ResourceBookings:
    """A resource with what the calendar draws for it over a span."""

    resource: Resource
    rules: BookingRules
    records: list[BookingRecord]  # the bookings whose own period touches the span
    occupying: list[Occupancy]  # what takes the resource around the span, buffers included
    bookable: bool | None = None  # may the person book it (the timeline reads it in SQL)


@dataclass(frozen=True)
class TimelineFilters:
    kind: ResourceKind | None = None
    organisation_id: int | None = None
    text: str = ""


def load_resource(user: User, resource_id: int) -> Resource:
    """A resource with its owner and its booking version, if the person may find it (else 404).

    Its windows, closures and allowed organisations load when asked for: a calendar page
    reused from the cache (services.calendar_cache) needs none of them, and an open resource
    is found without its list of organisations.
    """
    _require_an_id(resource_id)
    resource = db.session.scalars(_resource_by_id(), {"resource_id": resource_id}).first()
    if resource is None or not can_find(user, resource):
        raise NotFound(_l("No such resource."))
    return resource


def _require_an_id(resource_id: int) -> None:
    if not 0 < resource_id <= MAX_ID:  # the URL converter takes any digits
        raise NotFound(_l("No such resource."))


@dataclass(frozen=True)
class _Owner:
    is_active: bool


class _Named(NamedTuple):
    id: int


@dataclass(frozen=True)
class ResourceHead:
    """What a calendar page needs of its resource before it knows whether the cache has the
    page: where it stands (its zone), its versions (the key), and what decides whether the
    person may find it, for permissions.can_find. A page computed after all loads the
    resource itself (load_resource).

    It also brings, read in the same statement, the reader's unread count for the menu and
    the organisations part of the page's key: on PostgreSQL each statement is a round trip,
    a quarter of a reused page's time."""

    id: int
    organisation_id: int
    is_active: bool
    open_to_all: bool
    timezone: str
    updated_at: object  # as stored: the key only compares it
    feed_version: int
    organisation: _Owner
    allowed_organisations: tuple[_Named, ...]  # the person's organisation, if named
    reader_unread: int  # notifications.inbox.unread_count of the person asking
    organisations_key: str  # calendar_cache.organisations_in_one_value


def find_resource_head(user: User, resource_id: int) -> ResourceHead:
    """The resource's head (ResourceHead), if the person may find it (else 404): one plain
    row, prepared (booking.prepared), where load_resource builds ORM objects."""
    _require_an_id(resource_id)
    row = _RESOURCE_HEAD.first({"resource_id": resource_id, "user_id": user.id,
                                "organisation_id": user.organisation_id})
    if row is None:
        raise NotFound(_l("No such resource."))
    *columns, owner_active, named, unread, organisations = row
    head = ResourceHead(*columns, organisation=_Owner(owner_active),
                        allowed_organisations=(_Named(user.organisation_id),) if named else (),
                        reader_unread=unread or 0, organisations_key=organisations)
    if not can_find(user, head):
        raise NotFound(_l("No such resource."))
    return head


_RESOURCE_HEAD = Prepared(
    sa.select(Resource.id, Resource.organisation_id, Resource.is_active, Resource.open_to_all,
              Resource.timezone, calendar_cache.as_stored(Resource.updated_at),
              Resource.feed_version, Organisation.is_active,
              sa.exists().where(
                  resource_allowed_organisation.c.resource_id == Resource.id,
                  resource_allowed_organisation.c.organisation_id
                  == sa.bindparam("organisation_id")),
              unread_count_of(sa.bindparam("user_id")).scalar_subquery(),
              calendar_cache.organisations_in_one_value())
    .join(Organisation, Organisation.id == Resource.organisation_id)
    .where(Resource.id == sa.bindparam("resource_id")))


@cache
def _resource_by_id() -> sa.Select:
    # Built once per process: building it and its cache key cost more than running it.
    return (sa.select(Resource).where(Resource.id == sa.bindparam("resource_id"))
            .options(joinedload(Resource.organisation), undefer(Resource.feed_version)))


def resource_bookings(user: User, resource: Resource, span: Interval) -> ResourceBookings:
    """One resource's bookings over *span*, as the person may see them."""
    return _with_bookings(user, [resource], span)[0]


def timeline(user: User, span: Interval, filters: TimelineFilters, *, page: int = 1,
             per_page: int = 50) -> tuple[list[ResourceBookings], bool]:
    """The resources the person can book, filtered, with their bookings; and whether more follow."""
    # Whether each may be booked comes with it (permissions.bookable, the SQL twin of
    # can_book): no reading of every resource's allowed organisations.
    stmt = (timeline_page(user, filters, page=page, per_page=per_page)
            .add_columns(bookable(user).label("bookable"))
            .options(joinedload(Resource.organisation)))
    found = list(db.session.execute(stmt).unique())
    shown = found[:per_page]
    with_bookings = _with_bookings(user, [resource for resource, _ in shown], span)
    return ([replace(item, bookable=bool(may_book))
             for item, (_, may_book) in zip(with_bookings, shown)], len(found) > per_page)


#: Statements built from the reader and the page's filters, kept per process: building one
#: (and its cache key, when first run) cost more than running it on a reused page
#: (bench/speed.md). Keyed by everything their builders read: the reader as
#: calendar_cache.viewer_key sees them (permissions.findable reads organisation, role and
#: whether active), the filters and the paging.
_STATEMENTS: LruCache[Hashable, sa.Select] = LruCache(512)


def timeline_page(user: User, filters: TimelineFilters, *, page: int, per_page: int) -> sa.Select:
    """The timeline's page of resources, and one more to tell whether more follow."""
    def build() -> sa.Select:
        return (visible_resources(user, filters).order_by(Resource.name, Resource.id)
                .limit(per_page + 1).offset((max(page, 1) - 1) * per_page))
    return _STATEMENTS.get_or_compute(("timeline_page", viewer_key(user), filters, page,
                                       per_page), build)


def visible_resources(user: User, filters: TimelineFilters) -> sa.Select:
    """Offered resources the person may find, narrowed by the filters."""
    stmt = sa.select(Resource).where(findable(user), offered())
    if filters.kind is not None:
        stmt = stmt.where(Resource.kind == filters.kind)
    if filters.organisation_id is not None:
        stmt = stmt.where(Resource.organisation_id == filters.organisation_id)
    return stmt.where(*matching(filters.text))


class OrganisationChoice(NamedTuple):
    id: int
    name: str


class TimelineOrganisations(NamedTuple):
    every: tuple  # every organisation with the columns below (a part of the page's key)
    offering: list[OrganisationChoice]  # the filter's choices
    reader_unread: int  # notifications.inbox.unread_count of the person asking


def organisations_offering(user: User) -> TimelineOrganisations:
    """Every organisation as calendar_cache.organisations_key reads it, and those offering a
    resource the person may find, in the order of their names (the timeline's filter): one
    statement for both, which also counts the reader's unread notifications for the menu
    (on PostgreSQL each statement of a reused page is a round trip)."""
    def build() -> tuple[sa.ColumnElement, ...]:
        offers = sa.exists().where(Resource.organisation_id == Organisation.id, findable(user),
                                   offered()).label("offers")
        place = sa.func.row_number().over(order_by=(Organisation.name, Organisation.id))
        unread = unread_count_of(sa.literal(user.id)).scalar_subquery()
        return offers, place.label("place"), unread.label("unread")
    columns = _STATEMENTS.get_or_compute(("organisations_offering", viewer_key(user)), build)
    rows = calendar_cache.organisations_key(*columns)
    offering = sorted((row for row in rows if row[-3]), key=lambda row: row[-2])
    # The grid's key leaves the count out: a notification changes the menu, not the table.
    return TimelineOrganisations(tuple(row[:-1] for row in rows),
                                 [OrganisationChoice(row[0], row[1]) for row in offering],
                                 rows[0][-1] if rows else 0)


def person_bookings(user: User, span: Interval) -> list[BookingRecord]:
    """The person's own pending and confirmed bookings over *span*, across resources.

    Their own are also the bookings of their time (permissions.own_bookings).
    """
    # The longest booking any resource ever had bounds how far back a start can lie.
    longest = db.session.scalar(sa.select(sa.func.max(Resource.longest_occupied_minutes))) or 0
    stmt = (sa.select(Booking)
            .where(own_bookings(user),
                   Booking.start_at >= span.start - timedelta(minutes=longest),
                   Booking.start_at < span.end, Booking.end_at > span.start,
                   Booking.status.in_(OCCUPYING_STATUSES))
            .options(joinedload(Booking.resource))
            .order_by(Booking.start_at))
    return [_record(user, booking, label=booking.resource.name, detail=booking.title, mine=True)
            for booking in db.session.scalars(stmt)]


def _with_bookings(user: User, resources: Sequence[Resource],
                   span: Interval) -> list[ResourceBookings]:
    """Attach to each resource its bookings around *span*, read in one query for all."""
    if not resources:
        return []
    rules = rules_of(resources)
    # Free time near the span's end needs what lies just beyond it, buffers included.
    reach = max((_reach(rule) for rule in rules.values()), default=timedelta(0))
    wanted = Interval(span.start - reach, span.end + reach)
    by_id = {r.id: r for r in resources}
    records, occupying = defaultdict(list), defaultdict(list)
    for row in _occupying(resources, wanted):
        resource = by_id[row.resource_id]
        occupying[resource.id].append(Occupancy(
            Interval(row.occupied_start_at, row.occupied_end_at), row.quantity, row.id))
        if row.start_at < span.end and span.start < row.end_at:
            records[resource.id].append(_record(user, _Seen(row, resource)))
    return [ResourceBookings(r, rules[r.id], records[r.id], occupying[r.id]) for r in resources]


def rules_of(resources: Sequence[Resource]) -> dict[int, BookingRules]:
    """Each resource's rules, from the per-process cache of Resource.rules() by version.

    A resource's `updated_at` moves with every change of its rules, its windows and closures
    included (models.resource._touch_changed_rules), so (id, updated_at) names one version of
    them. Only resources whose version this process has not seen have their windows and
    closures read, two statements for all of them: a busy timeline otherwise makes a few
    hundred ORM objects per page for rules that seldom change. The rows are read after the
    resources, so the rules kept under a version are that version's or newer (newer only
    while a change commits, and its new `updated_at` retires the old key at once).
    """
    found, missing = {}, []
    for resource in resources:
        if (rules := resource.known_rules()) is None:
            missing.append(resource)
        else:
            found[resource.id] = rules
    if missing:
        _load_windows_and_closures(missing)
        for resource in missing:
            found[resource.id] = resource.rules()  # kept for its version (known_rules)
    return found


def _load_windows_and_closures(resources: Sequence[Resource]) -> None:
    """Load the resources' windows and closures (as selectinload would, in each
    relationship's order), unless loaded already."""
    wanted = [r for r in resources if "windows" not in r.__dict__ or "closures" not in r.__dict__]
    if not wanted:
        return
    ids = [r.id for r in wanted]
    windows, closures = defaultdict(list), defaultdict(list)
    for window in db.session.scalars(
            sa.select(AvailabilityWindow).where(AvailabilityWindow.resource_id.in_(ids))
            .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_time)):
        windows[window.resource_id].append(window)
    for closure in db.session.scalars(sa.select(Closure).where(Closure.resource_id.in_(ids))
                                      .order_by(Closure.start_at)):
        closures[closure.resource_id].append(closure)
    for resource in wanted:
        set_committed_value(resource, "windows", windows[resource.id])
        set_committed_value(resource, "closures", closures[resource.id])


def _reach(rules: BookingRules) -> timedelta:
    return lookahead(rules) + timedelta(
        minutes=rules.buffer_before_minutes + rules.buffer_after_minutes)


def _occupying(resources: Sequence[Resource], span: Interval) -> list[sa.Row]:
    """Plain rows, not ORM objects: a busy timeline reads hundreds, and rows are cheap."""
    # As services.bookings._occupying_query, for many resources: the look-back is the
    # longest occupied span of any of them, so the index range stays bounded.
    lookback = timedelta(minutes=max(r.longest_occupied_minutes for r in resources))
    stmt = (sa.select(Booking.id, Booking.resource_id, Booking.user_id,
                      Booking.organisation_id, Booking.title, Booking.start_at, Booking.end_at,
                      Booking.occupied_start_at, Booking.occupied_end_at, Booking.quantity,
                      Booking.status, Organisation.name.label("organisation_name"))
            .join(Organisation, Organisation.id == Booking.organisation_id)
            .where(Booking.resource_id.in_([r.id for r in resources]),
                   Booking.occupied_start_at >= span.start - lookback,
                   Booking.occupied_start_at < span.end,
                   Booking.occupied_end_at > span.start,
                   Booking.status.in_(OCCUPYING_STATUSES))
            .order_by(Booking.start_at))
    return list(db.session.execute(stmt))


class _Seen:
    """A booking row with its resource: enough for the permission predicates."""

    def __init__(self, row: sa.Row, resource: Resource) -> None:
        self.id, self.resource_id, self.resource = row.id, row.resource_id, resource
        self.user_id, self.organisation_id = row.user_id, row.organisation_id
        self.title, self.start_at, self.end_at = row.title, row.start_at, row.end_at
        self.quantity, self.status = row.quantity, row.status
        self.organisation_name = row.organisation_name


def _record(user: User, booking: Booking | _Seen, *, label: str | None = None,
            detail: str | None = None, mine: bool | None = None) -> BookingRecord:
    """A booking as the calendar shows it to *user*: purpose only for those who may see it."""
    allowed = can_see_details(user, booking)
    if label is None:
        label = (booking.title or None) if allowed else None
    if detail is None:
        name = getattr(booking, "organisation_name", None) or booking.organisation.name
        detail = name if allowed else ""
    return BookingRecord(booking.id, booking.start_at, booking.end_at, str(booking.status.value),
                         label, booking.user_id == user.id if mine is None else mine, allowed,
                         booking.quantity,
                         booking.resource_id, detail)
