"""What changed, told to whoever wants to know: a small in-process publish/subscribe seam.

Every use case that changes bookings, a resource's rules or sharing, an organisation's
standing, a person's role, an API token or a calendar feed, and every failed sign-in,
publishes exactly one event, inside its transaction, after the flush (ids exist) and
just before the commit. Subscribers are plain functions registered by the app factory:

    events.subscribe(app, handler)        # handler(event) -> None

They run synchronously in the same database session, so a row a subscriber adds (an audit
entry, a notification) is committed with the change or rolled back with it; a subscriber that
raises undoes the whole change. Side effects outside the database (sending mail) belong after
the commit, e.g. in a queue row a worker reads. See docs/booking-engine.md.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from flask import Flask, current_app

if TYPE_CHECKING:
    from booking.models import (ApiToken, Booking, BookingSeries, BookingStatus, CalendarFeed,
                                Organisation, Resource, User)

SUBSCRIBERS = "booking_event_subscribers"


class Action(enum.StrEnum):
    """What happened, named as the audit trail and the notifications will show it."""

    BOOKING_CREATED = "booking.created"
    BOOKING_MOVED = "booking.moved"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_APPROVED = "booking.approved"
    BOOKING_REJECTED = "booking.rejected"
    # A request nobody decided within the resource's request_expiry_days: turned down by the
    # system (status rejected); the actor is the booker, whom the notifications tell.
    BOOKING_EXPIRED = "booking.expired"
    SERIES_CREATED = "series.created"
    SERIES_CHANGED = "series.changed"
    SERIES_CANCELLED = "series.cancelled"
    SERIES_APPROVED = "series.approved"
    SERIES_REJECTED = "series.rejected"
    RESOURCE_CREATED = "resource.created"
    RESOURCE_CHANGED = "resource.changed"
    RESOURCE_DEACTIVATED = "resource.deactivated"
    RESOURCE_ACTIVATED = "resource.activated"
    ORGANISATION_SUSPENDED = "organisation.suspended"
    ORGANISATION_READMITTED = "organisation.readmitted"
    MEMBER_ADDED = "member.added"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_DEACTIVATED = "member.deactivated"
    MEMBER_REACTIVATED = "member.reactivated"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    FEED_CREATED = "feed.created"
    FEED_REGENERATED = "feed.regenerated"
    FEED_REVOKED = "feed.revoked"
    LOGIN_FAILED = "login.failed"


@dataclass(frozen=True)
class BookingState:
    """A booking's time and status before a change."""

    start_at: datetime
    end_at: datetime
    status: BookingStatus


@dataclass(frozen=True)
class BookingsChanged:
    """Bookings were made or changed: one event per use case, a whole series in one.

    `bookings` are the rows the change made or touched (in the session, flushed);
    `before` holds the previous time and status of each touched one, by booking id (new
    bookings have none); `reason` is what the person gave (a rejection's reason).
    """

    action: Action
    actor: User
    bookings: tuple[Booking, ...]
    series: BookingSeries | None = None
    before: Mapping[int, BookingState] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class ResourceChanged:
    """A resource was added, its rules or sharing changed, or it was (de)activated.

    `before` and `after` hold only the fields that changed, as plain JSON-ready values.
    """

    action: Action
    actor: User
    resource: Resource
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrganisationChanged:
    """An organisation was suspended or readmitted."""

    action: Action
    actor: User
    organisation: Organisation


@dataclass(frozen=True)
class MemberChanged:
    """A person was added, given another role, deactivated or reactivated.

    `before` and `after` hold only what changed (a new person: their role in `after`).
    """

    action: Action
    actor: User
    member: User
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenChanged:
    """An API token was made or revoked (by its owner)."""

    action: Action
    actor: User
    token: ApiToken


@dataclass(frozen=True)
class FeedChanged:
    """A calendar feed was made, given a new address, or revoked (by its owner)."""

    action: Action
    actor: User
    feed: CalendarFeed


@dataclass(frozen=True)
class SignInFailed:
    """Someone gave a wrong e-mail address or password (page or API).

    `email` is what was tried (never the password); `user` is the person it names, if any.
    Published in a transaction of its own that is committed although the sign-in is refused.
    """

    email: str
    user: User | None
    reason: str
    action: Action = Action.LOGIN_FAILED


Event = Union[BookingsChanged, ResourceChanged, OrganisationChanged, MemberChanged,
              TokenChanged, FeedChanged, SignInFailed]
Subscriber = Callable[[Event], None]


def init_app(app: Flask) -> None:
    app.extensions[SUBSCRIBERS] = []


def subscribe(app: Flask, subscriber: Subscriber) -> None:
    """Call *subscriber* with every event the app publishes from now on."""
    app.extensions[SUBSCRIBERS].append(subscriber)


def publish(event: Event) -> None:
    """Hand *event* to every subscriber, in the order they subscribed."""
    for subscriber in tuple(current_app.extensions[SUBSCRIBERS]):
        subscriber(event)
