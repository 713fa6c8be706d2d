"""What a conditional feed request needs without rendering: a fingerprint and Last-Modified.

This is the path of a 304, kept apart and small: after finding the feed it runs one narrow
query over the feed's bookings and hashes the rows; only when the content changed does it read
the newest change times and write them.

- The **fingerprint** is a SHA-256 over everything the feed's events are made of (per booking:
  id, sequence and updated_at, which every edit raises; per resource: name, location, zone,
  owner, rename time) and what the caller adds (language, public address). Unlike sums and
  counts it cannot collide in practice when bookings leave and enter the window.
- **Last-Modified** is stored on the feed with the fingerprint it was served for. When a
  request finds another fingerprint, it becomes the newest change the content shows — a
  booking's updated_at, the moment a booking entered the 365-day window as days passed, a
  resource's rename — but always at least a second later than before, so it never moves back
  and If-Modified-Since sees every change, bookings that left the window included.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from booking.extensions import db
from booking.ical import OUTPUT_VERSION
from booking.models import (Booking, BookingStatus, CalendarFeed, FeedScope, Organisation,
                            Resource, User)
from booking.models.feed_versions import resource_feed_version
from booking.models.resource import resource_allowed_organisation
from booking.prepared import Prepared
from booking.services.feeds import (WINDOW_AHEAD, WINDOW_BACK, feed_name, feed_params,
                                    feed_zone, in_feed, token_hash)

_SECOND = timedelta(seconds=1)
# What the fingerprint reads of each booking: every edit raises updated_at (the model's
# onupdate), and status, times and places change only by edits. Where a feed spans several
# resources, also what events show of each and who owns it.
_BOOKING_COLUMNS = (Booking.id, Booking.sequence, Booking.updated_at)
_RESOURCE_COLUMNS = (Resource.name, Resource.location, Resource.timezone,
                     Resource.organisation_id, Resource.calendar_changed_at)


@dataclass(frozen=True)
class FeedState:
    """The feed's validators, known without rendering it."""

    fingerprint: str  # changes whenever the feed's content may have changed
    last_modified: datetime  # UTC, whole seconds


@dataclass(frozen=True)
class Poll:
    """A feed as a conditional request first reads it: one Core statement, no ORM objects."""

    feed_id: int
    scope: FeedScope
    locale: str | None  # the subscriber's language
    stored: tuple  # version_key, content_fingerprint, content_changed_at, valid_until
    inputs: tuple  # every other column of the feed and of the rows its head is made of


def poll(token: str) -> Poll | None:
    """The feed with this token as a poll reads it; None for a token that names no feed.

    Whether the feed still works (revoked, person or organisation suspended) is not judged
    here: those columns are inputs of the version key, so any change of them sends the
    request on to the full path (services.feeds.find_feed), which judges it.
    """
    if (wanted := token_hash(token)) is None:
        return None
    row = _prepared_poll("token_hash").first({"key": wanted})
    return None if row is None else _as_poll(row)


def stored_state(polled: Poll, *, now: datetime, context: tuple = ()) -> FeedState | None:
    """The validators stored with the feed, if nothing they were computed from has changed.

    This is the whole of a 304 on the fast path: the poll's statement (and, for a person's
    or an organisation's feed, the resources' versions), a hash, no booking read.
    """
    return _still_holds(*polled.stored, version_key(polled, context), now)


def feed_state(feed: CalendarFeed, *, now: datetime, context: tuple = (),
               polled: Poll | None = None) -> FeedState:
    """The feed's fingerprint and Last-Modified, and a write only after a change.

    *context* is what the caller adds to the content (language, public address); *polled*
    is the feed's poll, read before *feed* (read here when not given).

    Fast path (issue 16): the feed row remembers a *version key* — a hash of every column of
    the rows the content's head is made of (the feed, its person and their organisation, its
    resource and owner; poll()) and of the versions of the resources whose bookings it shows,
    which a database trigger moves with every booking change (models.feed_versions) — and
    until when the moving window cannot change what it shows. With the same key before that
    moment the stored fingerprint still holds, and no booking is read. Otherwise the
    fingerprint is computed from the rows as before.
    """
    polled = polled or _as_poll(_prepared_poll("id").first({"key": feed.id}))
    key = version_key(polled, context)
    stored = (feed.version_key, feed.content_fingerprint, feed.content_changed_at,
              feed.valid_until)
    if (state := _still_holds(*stored, key, now)) is not None:
        return state
    params = feed_params(feed, now)
    head = _head(feed, params, context)
    # The key was read before the rows: the rows are at least as new as the key says, so a
    # key stored with this fingerprint can only be older than the data, never newer.
    fingerprint = _fingerprint(feed, params, head)
    valid_until = _valid_until(feed, params, now)
    if fingerprint == feed.content_fingerprint and feed.content_changed_at is not None:
        _remember_key(feed, key, valid_until)
        return FeedState(fingerprint, feed.content_changed_at)
    return _record_change(feed, fingerprint, _newest_change(feed, params), now,
                          key=key, valid_until=valid_until)


def _head(feed: CalendarFeed, params: dict | None, context: tuple) -> tuple:
    """What the content depends on besides the bookings' rows."""
    user, resource = feed.user, feed.resource
    own = () if resource is None else tuple(getattr(resource, c.key) for c in _RESOURCE_COLUMNS)
    return (OUTPUT_VERSION, feed.id, str(feed.scope), feed_name(feed), feed_zone(feed),
            user.organisation_id, user.is_platform_admin, params is not None, own, *context)


def _still_holds(version_key_stored: str | None, fingerprint: str | None,
                 changed_at: datetime | None, valid_until: datetime | None, key: str,
                 now: datetime) -> FeedState | None:
    if (key == version_key_stored and fingerprint is not None and changed_at is not None
            and valid_until is not None and now < valid_until):
        return FeedState(fingerprint, changed_at)
    return None


def version_key(polled: Poll, context: tuple) -> str:
    """Everything the content's head is made of, and the versions of the bookings it shows.

    Whole rows rather than the head itself: a superset, so whatever the head comes to depend
    on in those rows is in it, and computing it needs no ORM objects and no permission logic.
    The translations are in it too (the calendar's name is translated). A resource's feed:
    its resource's version is in the poll. A person's or an organisation's: every resource's
    version, rename time, person and owner, one short query (no booking is read).
    """
    digest = hashlib.sha256(repr((OUTPUT_VERSION, _translations(), polled.inputs,
                                  context)).encode())
    if polled.scope is not FeedScope.RESOURCE:
        for row in db.session.execute(_VERSIONS):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


_STATE_COLUMNS = ("version_key", "content_fingerprint", "content_changed_at", "valid_until")


@cache
def _poll_statement(by: str) -> sa.Select:
    """The feed found by its token hash or id, its stored state first, then every column of
    the feed, its person, their organisation, its resource and the resource's owner (the rows
    services.feeds.find_feed loads), the resource's version and whether it is shared with the
    person's organisation by name. Built once per process for each *by*."""
    feed, person, resource = (CalendarFeed.__table__, User.__table__, Resource.__table__)
    member = Organisation.__table__.alias("member")
    owner = Organisation.__table__.alias("owner")
    allowed = resource_allowed_organisation
    named = (sa.exists().where(allowed.c.resource_id == resource.c.id,
                               allowed.c.organisation_id == person.c.organisation_id)
             .label("shared_by_name"))
    version = sa.func.coalesce(resource_feed_version.c.version, 0).label("feed_version")
    rest = [c for c in feed.c if c.key not in _STATE_COLUMNS]
    joined = (feed.join(person, person.c.id == feed.c.user_id)
              .join(member, member.c.id == person.c.organisation_id)
              .outerjoin(resource, resource.c.id == feed.c.resource_id)
              .outerjoin(owner, owner.c.id == resource.c.organisation_id)
              .outerjoin(resource_feed_version,
                         resource_feed_version.c.resource_id == resource.c.id))
    return (sa.select(feed.c.id, feed.c.scope, person.c.locale,
                      *(feed.c[name] for name in _STATE_COLUMNS),
                      *rest, *person.c, *member.c, *resource.c, *owner.c, version, named)
            .select_from(joined).where(feed.c[by] == sa.bindparam("key")))


@cache
def _prepared_poll(by: str) -> Prepared:
    """The poll as every 304 runs it: on the driver (booking.prepared, issue 16)."""
    return Prepared(_poll_statement(by))


_FIRST_INPUT = 3 + len(_STATE_COLUMNS)


def _as_poll(row: tuple) -> Poll:
    return Poll(row[0], FeedScope(row[1]), row[2], tuple(row[3:_FIRST_INPUT]),
                tuple(row[_FIRST_INPUT:]))


@cache
def _translations() -> str:
    """The compiled catalogues this process serves: a new translation is a new calendar name."""
    folder = Path(__file__).resolve().parent.parent / "translations"
    digest = hashlib.sha256()
    for catalogue in sorted(folder.glob("*/LC_MESSAGES/*.mo")):
        digest.update(catalogue.read_bytes())
    return digest.hexdigest()


# Besides bookings and renames, whose bookings a person's or organisation's feed shows moves
# with the resource's person (a mentor's time) and owner.
_VERSIONS = (sa.select(Resource.id, sa.func.coalesce(resource_feed_version.c.version, 0),
                       Resource.calendar_changed_at, Resource.person_id,
                       Resource.organisation_id)
             .outerjoin(resource_feed_version,
                        resource_feed_version.c.resource_id == Resource.id)
             .order_by(Resource.id))


def _fingerprint(feed: CalendarFeed, params: dict | None, head: tuple) -> str:
    digest = hashlib.sha256(repr(head).encode())
    if params is not None:
        # Rows as text made by the database: a tenth of the time of typed rows in Python.
        rows = db.session.connection().execute(_rows_statement(feed.scope), params).scalars()
        digest.update("\n".join(rows).encode())
    return digest.hexdigest()


@cache
def _rows_statement(scope: FeedScope) -> sa.Select:
    """Each of the feed's bookings as one line of text, by id; built once per scope."""
    line = sa.literal("")
    for column in _BOOKING_COLUMNS:  # digits, dashes, colons, dots, spaces and "+": no "|"
        line = line + sa.cast(column, sa.String) + "|"
    statement = sa.select(line).select_from(Booking)
    if scope is not FeedScope.RESOURCE:  # the resource feed's one resource is known
        for column in _RESOURCE_COLUMNS:
            text = sa.func.coalesce(sa.cast(column, sa.String), "")
            # Free text, so each value with its length in front: no two rows read the same.
            line = line + sa.cast(sa.func.length(text), sa.String) + ":" + text
        statement = sa.select(line).select_from(Booking).join(Booking.resource)
    return statement.where(*in_feed(scope)).order_by(Booking.id)


def _newest_change(feed: CalendarFeed, params: dict | None) -> datetime:
    """The latest moment the content shows a change: a booking changed or came into the
    window (its start came within WINDOW_AHEAD), a resource was renamed, the feed made."""
    moments = [feed.created_at]
    if feed.resource is not None:
        moments.append(feed.resource.calendar_changed_at)
    if params is not None:
        updated, start, renamed = db.session.execute(_newest_statement(feed.scope),
                                                     params).one()
        moments += [updated, start and start - WINDOW_AHEAD, renamed]
    return max(m for m in moments if m is not None)


@cache
def _newest_statement(scope: FeedScope) -> sa.Select:
    """Run only when the fingerprint changed."""
    return (sa.select(sa.func.max(Booking.updated_at), sa.func.max(Booking.start_at),
                      sa.func.max(Resource.calendar_changed_at))
            .select_from(Booking).join(Booking.resource).where(*in_feed(scope)))


def _valid_until(feed: CalendarFeed, params: dict | None, now: datetime) -> datetime:
    """The first moment the moving window may change what the feed shows, with no write.

    A booking of the feed's scope enters when its start comes within WINDOW_AHEAD, and leaves
    when its end falls WINDOW_BACK behind, when its start falls behind the look-back bound,
    or, cancelled or rejected, when its grace ends. The earliest of these from now on: before
    it, equal versions mean equal content. Too early costs only a recomputation.
    """
    later = now + _NO_CHANGE_FOR
    if params is None:
        return later
    entering, ending, starting, grace = db.session.execute(_window_statement(feed.scope),
                                                           params).one()
    moments = [entering and entering - WINDOW_AHEAD, ending and ending + WINDOW_BACK,
               starting and starting + (params["start"] - params["earliest"]) + WINDOW_BACK,
               grace and grace + (now - params["grace"]), later]
    return max(min(m for m in moments if m is not None), now)


_NO_CHANGE_FOR = timedelta(days=30)  # with nothing in sight, check again after a month


@cache
def _window_statement(scope: FeedScope) -> sa.Select:
    """The soonest window crossings of the scope's bookings, in one pass; built once."""
    clauses = in_feed(scope)
    scope_clause, shown = clauses[0], sa.and_(*clauses)
    ended = Booking.status.in_((BookingStatus.CANCELLED, BookingStatus.REJECTED))
    statement = sa.select(
        sa.func.min(sa.case((Booking.start_at >= sa.bindparam("end"), Booking.start_at))),
        sa.func.min(sa.case((shown, Booking.end_at))),
        sa.func.min(sa.case((shown, Booking.start_at))),
        sa.func.min(sa.case((sa.and_(shown, ended), Booking.updated_at))),
    ).select_from(Booking)
    if scope is FeedScope.ORGANISATION:
        statement = statement.join(Booking.resource)
    return statement.where(scope_clause)


def _remember_key(feed: CalendarFeed, key: str, valid_until: datetime) -> None:
    """Store the key for the fingerprint the feed already has (if no one changed it since)."""
    if feed.version_key == key and feed.valid_until == valid_until:
        return
    _store(sa.update(CalendarFeed)
           .where(CalendarFeed.id == feed.id,
                  CalendarFeed.content_fingerprint.is_not_distinct_from(feed.content_fingerprint))
           .values(version_key=key, valid_until=valid_until)
           .execution_options(synchronize_session=False))


def _record_change(feed: CalendarFeed, fingerprint: str, newest: datetime,
                   now: datetime, *, key: str | None = None,
                   valid_until: datetime | None = None) -> FeedState:
    """Store the new fingerprint; Last-Modified moves forward by a second at least, not past now.

    Only the process that still sees the old fingerprint writes; another one that wrote first
    leaves the stored time as it is.
    """
    previous = feed.content_changed_at
    changed_at = _whole_second(newest)
    if previous is not None:
        changed_at = max(changed_at, _whole_second(previous) + _SECOND)
    changed_at = max(min(changed_at, _whole_second(now)), previous or changed_at)
    written = _store(
        sa.update(CalendarFeed)
        .where(CalendarFeed.id == feed.id,
               CalendarFeed.content_fingerprint.is_not_distinct_from(feed.content_fingerprint))
        .values(content_fingerprint=fingerprint, content_changed_at=changed_at,
                version_key=key, valid_until=valid_until)
        .execution_options(synchronize_session=False))
    if written is None:  # another worker stored its state first: ours stands for this answer
        return FeedState(fingerprint, changed_at)
    if not written:
        db.session.refresh(feed)
        changed_at = max(changed_at, feed.content_changed_at or changed_at)
    return FeedState(fingerprint, changed_at)


def _store(update: sa.Update) -> int | None:
    """Run one compare-and-set UPDATE of the feed row and commit; the rows it wrote.

    None when SQLite refuses the write because another process wrote since this request
    began reading (SQLITE_BUSY_SNAPSHOT: two workers computing one feed's state at once; it
    comes at once, not after the busy timeout). The stored state is a shortcut for the next
    poll: the answer stands without it, and the next poll stores it.
    """
    try:
        written = db.session.execute(update).rowcount
        db.session.commit()
    except sa.exc.OperationalError as exc:
        db.session.rollback()
        if getattr(exc.orig, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY_SNAPSHOT:
            raise
        return None
    return written


def _whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
