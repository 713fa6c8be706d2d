"""Calendar subscription feeds: secret URLs, and which bookings each of them shows.

A feed URL carries a 256-bit random token; only its SHA-256 hash is stored, so a leaked database
reveals no usable URL. Regenerating replaces the hash (the old URL stops working at once).
"""

from __future__ import annotations

import hmac
import re
from functools import cache
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from booking import events
from booking.db_types import utcnow
from booking.events import Action, FeedChanged
from booking.exceptions import InvalidInput, NotFound
from booking.extensions import db
from booking.models import (OCCUPYING_STATUSES, Booking, BookingStatus, CalendarFeed,
                            FeedScope, Resource, User, hash_secret, new_secret)
from booking.limits import MAX_BOOKING_LENGTH, MAX_ID
from booking.permissions import can_find, can_see_details, own_bookings_of
from booking.services.resources import search_resources

#: The documented window: what calendar programs get (docs/calendar-feeds.md).
WINDOW_BACK = timedelta(days=90)
WINDOW_AHEAD = timedelta(days=365)
#: Cancelled and rejected bookings stay this long, marked CANCELLED, so clients remove them.
CANCELLED_GRACE = timedelta(days=14)
MAX_FEEDS_PER_USER = 50
# new_secret() gives 43 URL-safe characters; anything else is not worth a database lookup.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
# Messages go into InvalidInput as lists: it splits any non-str value, a lazy string included.


def list_feeds(user: User) -> list[CalendarFeed]:
    """The person's feeds that still work, oldest first."""
    return list(db.session.scalars(
        sa.select(CalendarFeed).options(selectinload(CalendarFeed.resource))
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at, CalendarFeed.id)))


def create_feed(user: User, scope: str, resource_id: int | None = None
                ) -> tuple[CalendarFeed, str]:
    """A new feed and its secret token, which is shown once and never stored."""
    scope, resource = _valid_scope(user, scope, resource_id)
    active = list_feeds(user)
    if any(f.scope is scope and f.resource_id == (resource.id if resource else None)
           for f in active):
        raise InvalidInput({"scope": [_l("You already subscribe to this calendar. Regenerate "
                                         "its address below if you need a new one.")]})
    if len(active) >= MAX_FEEDS_PER_USER:
        raise InvalidInput({"scope": [_l("You can have at most %(n)d subscriptions.",
                                         n=MAX_FEEDS_PER_USER)]})
    token = new_secret()
    feed = CalendarFeed(user_id=user.id, scope=scope, resource=resource,
                        token_hash=hash_secret(token))
    db.session.add(feed)
    db.session.flush()
    events.publish(FeedChanged(Action.FEED_CREATED, user, feed))
    db.session.commit()
    return feed, token


def regenerate_feed(user: User, feed_id: int) -> tuple[CalendarFeed, str]:
    """Give the feed a new secret; the old URL answers 404 from now on."""
    feed = _own_feed(user, feed_id)
    token = new_secret()
    feed.token_hash = hash_secret(token)
    db.session.flush()
    events.publish(FeedChanged(Action.FEED_REGENERATED, user, feed))
    db.session.commit()
    return feed, token


def revoke_feed(user: User, feed_id: int) -> None:
    """Stop the feed for good."""
    feed = _own_feed(user, feed_id)
    feed.revoked_at = utcnow()
    db.session.flush()
    events.publish(FeedChanged(Action.FEED_REVOKED, user, feed))
    db.session.commit()


def revoke_all_feeds(user: User) -> None:
    """Stop every feed of the person for good, in the caller's transaction (deactivation)."""
    db.session.execute(sa.update(CalendarFeed).where(
        CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)).values(
        revoked_at=utcnow()))


def token_hash(token: str) -> str | None:
    """What a feed URL's token is stored as; None for anything that cannot be a token."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    return hash_secret(token)


def find_feed(token: str) -> CalendarFeed | None:
    """The working feed with this token, or None for anything unknown, revoked or malformed."""
    if (wanted := token_hash(token)) is None:
        return None
    feed = db.session.scalar(_feed_statement(), {"token_hash": wanted})
    # The lookup already matched; the constant-time compare keeps it so if the lookup changes.
    if feed is None or not hmac.compare_digest(feed.token_hash, wanted):
        return None
    if feed.revoked_at is not None or not feed.user.is_active:
        return None
    return feed


@cache
def _feed_statement() -> sa.Select:
    """The feed with its person, organisation, resource, owner and version: built once (every
    poll of every calendar program runs it, and building costs more than running it)."""
    return (sa.select(CalendarFeed).where(CalendarFeed.token_hash == sa.bindparam("token_hash"))
            .options(joinedload(CalendarFeed.user).joinedload(User.organisation),
                     joinedload(CalendarFeed.resource).joinedload(Resource.organisation),
                     joinedload(CalendarFeed.resource).undefer(Resource.feed_version)))


def feed_bookings(feed: CalendarFeed, *, now: datetime) -> list[Booking]:
    """The bookings the feed shows, by start: its scope, inside the window, in two queries."""
    params = feed_params(feed, now)
    if params is None:
        return []
    return list(db.session.scalars(_bookings_statement(feed.scope), params))


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The span a feed shows at *now*: 90 days back, 365 ahead."""
    return now - WINDOW_BACK, now + WINDOW_AHEAD


def shows_details(feed: CalendarFeed, booking: Booking) -> bool:
    """Purpose and link only for those the app would show them to; others see "Busy"."""
    return can_see_details(feed.user, booking)


def feed_name(feed: CalendarFeed) -> str:
    """The calendar's name in the subscriber's calendar program."""
    if feed.scope is FeedScope.RESOURCE and feed.resource is not None:
        return feed.resource.name
    if feed.scope is FeedScope.ORGANISATION:
        return _("%(organisation)s: bookings", organisation=feed.user.organisation.name)
    return _("My bookings (%(site)s)", site=_("Consortium booking"))


def feed_zone(feed: CalendarFeed) -> str:
    """The calendar's home zone: the resource's, else the subscriber's."""
    if feed.scope is FeedScope.RESOURCE and feed.resource is not None:
        return feed.resource.timezone
    return feed.user.timezone


def resource_choices(user: User) -> list[Resource]:
    """Resources the person may subscribe to: those the app shows them, by name."""
    return search_resources(user)


def get_visible_booking(user: User, booking_id: int) -> Booking:
    """A booking whose details the person may see, or NotFound (existence is not revealed)."""
    booking = db.session.get(Booking, booking_id) if _is_id(booking_id) else None
    if booking is None or not can_see_details(user, booking):
        raise NotFound(_l("No such booking."))
    return booking


def feed_params(feed: CalendarFeed, now: datetime) -> dict | None:
    """The values for the feed's statements; None when it may show nothing at all."""
    user = feed.user
    if feed.scope is FeedScope.ME:
        who = user.id
    elif feed.scope is FeedScope.ORGANISATION:
        who = user.organisation_id
    elif feed.resource is not None and can_find(user, feed.resource):
        who = feed.resource.id
    else:
        return None
    start, end = feed_window(now)
    # No booking is longer than MAX_BOOKING_LENGTH: "earliest" bounds the index range read.
    return {"who": who, "start": start, "end": end,
            "earliest": start - MAX_BOOKING_LENGTH, "grace": now - CANCELLED_GRACE}


def in_feed(scope: FeedScope) -> tuple:
    """The WHERE clauses of a feed's bookings, with feed_params()'s names as bound parameters.

    The organisation's scope filters on the resource's owner: the query must join Resource.
    """
    who = sa.bindparam("who")
    scope_clause = {
        # What the person booked, and what was booked of their time (a mentor's resource).
        FeedScope.ME: own_bookings_of(who),
        # What the organisation booked, and what was booked on its resources.
        FeedScope.ORGANISATION: sa.or_(Booking.organisation_id == who,
                                       Resource.organisation_id == who),
        FeedScope.RESOURCE: Booking.resource_id == who,
    }[scope]
    return (
        scope_clause,
        Booking.start_at < sa.bindparam("end"), Booking.end_at > sa.bindparam("start"),
        Booking.start_at > sa.bindparam("earliest"),
        sa.or_(Booking.status.in_(OCCUPYING_STATUSES),
               sa.and_(Booking.status.in_((BookingStatus.CANCELLED, BookingStatus.REJECTED)),
                       Booking.updated_at >= sa.bindparam("grace"))),
    )


@cache
def _bookings_statement(scope: FeedScope) -> sa.Select:
    """The feed's bookings, built once per scope: building it costs more than running it."""
    bookings = sa.select(Booking)
    if scope is FeedScope.ORGANISATION:
        bookings = bookings.join(Booking.resource)
    return (bookings.where(*in_feed(scope)).options(selectinload(Booking.resource))
            .order_by(Booking.start_at, Booking.id))


def _valid_scope(user: User, scope: str, resource_id: int | None
                 ) -> tuple[FeedScope, Resource | None]:
    if scope not in {s.value for s in FeedScope}:
        raise InvalidInput({"scope": [_l("Choose which bookings the calendar shows.")]})
    scope = FeedScope(scope)
    if scope is not FeedScope.RESOURCE:
        if resource_id is not None:
            raise InvalidInput({"resource_id": [_l("Only a resource's calendar has a resource.")]})
        return scope, None
    resource = db.session.get(Resource, resource_id) if _is_id(resource_id) else None
    if resource is None or not can_find(user, resource):
        raise InvalidInput({"resource_id": [_l("Choose a resource you can see.")]})
    return scope, resource


def _own_feed(user: User, feed_id: int) -> CalendarFeed:
    feed = db.session.get(CalendarFeed, feed_id) if _is_id(feed_id) else None
    if feed is None or feed.user_id != user.id or feed.revoked_at is not None:
        raise NotFound(_l("No such subscription."))
    return feed


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
