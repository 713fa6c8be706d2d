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
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa

from booking.extensions import db
from booking.ical import OUTPUT_VERSION
from booking.models import Booking, CalendarFeed, FeedScope, Resource
from booking.services.feeds import WINDOW_AHEAD, feed_name, feed_params, feed_zone, in_feed

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


def feed_state(feed: CalendarFeed, *, now: datetime, context: tuple = ()) -> FeedState:
    """The feed's fingerprint and Last-Modified: one query, and a write only after a change.

    *context* is what the caller adds to the content (language, public address).
    """
    params = feed_params(feed, now)
    fingerprint = _fingerprint(feed, params, context)
    if fingerprint == feed.content_fingerprint and feed.content_changed_at is not None:
        return FeedState(fingerprint, feed.content_changed_at)
    return _record_change(feed, fingerprint, _newest_change(feed, params), now)


def _fingerprint(feed: CalendarFeed, params: dict | None, context: tuple) -> str:
    user, resource = feed.user, feed.resource
    own = () if resource is None else tuple(getattr(resource, c.key) for c in _RESOURCE_COLUMNS)
    head = (OUTPUT_VERSION, feed.id, str(feed.scope), feed_name(feed), feed_zone(feed),
            user.organisation_id, user.is_platform_admin, params is not None, own, *context)
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


def _record_change(feed: CalendarFeed, fingerprint: str, newest: datetime,
                   now: datetime) -> FeedState:
    """Store the new fingerprint; Last-Modified moves forward by a second at least, not past now.

    Only the process that still sees the old fingerprint writes; another one that wrote first
    leaves the stored time as it is.
    """
    previous = feed.content_changed_at
    changed_at = _whole_second(newest)
    if previous is not None:
        changed_at = max(changed_at, _whole_second(previous) + _SECOND)
    changed_at = max(min(changed_at, _whole_second(now)), previous or changed_at)
    written = db.session.execute(
        sa.update(CalendarFeed)
        .where(CalendarFeed.id == feed.id,
               CalendarFeed.content_fingerprint.is_not_distinct_from(feed.content_fingerprint))
        .values(content_fingerprint=fingerprint, content_changed_at=changed_at)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not written:
        db.session.refresh(feed)
        changed_at = max(changed_at, feed.content_changed_at or changed_at)
    return FeedState(fingerprint, changed_at)


def _whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
