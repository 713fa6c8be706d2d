"""Who is told what: the one home of the notification audience rule.

A group of recipients is a named SQL condition on User with its parameters (`Group`), so the
outbox inserts one row per recipient with a single prepared INSERT ... SELECT inside the
change's transaction: no round trip to read the people first, nothing built per change.
`rules(event)` says which group hears which kind of news.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from booking import permissions
from booking.events import Action, BookingsChanged
from booking.models import BookingStatus, Itip, Kind, Resource, ResourceKind, Role, User

#: Each kind of group as SQL on User, with bound parameters the group supplies.
GROUPS: Mapping[str, sa.ColumnElement[bool]] = {
    # The admins of an organisation (platform admins belonging to it included).
    "admins": sa.and_(User.organisation_id == sa.bindparam("organisation_id"),
                      User.role.in_((Role.ORG_ADMIN, Role.PLATFORM_ADMIN))),
    "person": User.id == sa.bindparam("person_id"),
}


@dataclass(frozen=True)
class Group:
    name: str  # a key of GROUPS
    params: Mapping[str, int] = field(default_factory=dict)


def approvers(resource: Resource) -> Group:
    """The admins of the organisation that owns the resource: they decide its requests."""
    return Group("admins", {"organisation_id": resource.organisation_id})


def staff_people(resource: Resource) -> Group:
    """Whose time a staff resource is: the person it names, else its owner's admins."""
    people = permissions.people_to_tell(resource)
    return person(people[0].id) if people else approvers(resource)


def person(user_id: int) -> Group:
    return Group("person", {"person_id": user_id})


@dataclass(frozen=True)
class Audience:
    """One group of recipients and what they are told."""

    who: Group
    kind: Kind
    itip: Itip = Itip.NONE


def rules(event: BookingsChanged, resource: Resource) -> Iterator[Audience]:
    """The groups told about *event* (the actor is left out of each by the outbox).

    - a new or re-timed request awaiting approval → the owner's admins (their decision);
    - a request that expired undecided → the booker, as a declined request;
    - approved, rejected, cancelled or moved by someone else → the booker, with a calendar
      invitation where the booking is or was confirmed;
    - on a staff resource, a booking confirmed (made or approved), or a confirmed one moved or
      cancelled by the booker → the person whose time it is.
    """
    bookings = event.bookings
    if not bookings:
        return
    first = bookings[0]
    booker = event.series.user_id if event.series is not None else first.user_id
    by_booker = event.actor.id == booker
    status = first.status
    was_confirmed = any(b.status is BookingStatus.CONFIRMED for b in event.before.values())
    staff = resource.kind is ResourceKind.STAFF
    action = event.action
    if action in (Action.BOOKING_CREATED, Action.SERIES_CREATED):
        if status is BookingStatus.PENDING:
            yield Audience(approvers(resource), Kind.REQUEST)
        elif staff:
            yield Audience(staff_people(resource), Kind.BOOKED, Itip.REQUEST)
    elif action in (Action.BOOKING_APPROVED, Action.SERIES_APPROVED):
        yield Audience(person(booker), Kind.APPROVED, Itip.REQUEST)
        if staff:
            yield Audience(staff_people(resource), Kind.BOOKED, Itip.REQUEST)
    elif action is Action.BOOKING_EXPIRED:  # nobody decided in time (services/expiry.py)
        yield Audience(person(booker), Kind.REJECTED)
    elif action in (Action.BOOKING_REJECTED, Action.SERIES_REJECTED):
        yield Audience(person(booker), Kind.REJECTED, Itip.CANCEL if was_confirmed else Itip.NONE)
    elif action in (Action.BOOKING_CANCELLED, Action.SERIES_CANCELLED):
        itip = Itip.CANCEL if was_confirmed else Itip.NONE
        if not by_booker:
            yield Audience(person(booker), Kind.CANCELLED, itip)
        elif staff and was_confirmed:
            yield Audience(staff_people(resource), Kind.CANCELLED, itip)
    elif action in (Action.BOOKING_MOVED, Action.SERIES_CHANGED):
        confirmed = any(b.status is BookingStatus.CONFIRMED for b in bookings)
        pending = any(b.status is BookingStatus.PENDING for b in bookings)
        if not by_booker:
            yield Audience(person(booker), Kind.MOVED,
                           Itip.REQUEST if confirmed else Itip.NONE)
        elif pending:
            yield Audience(approvers(resource), Kind.REQUEST)
        elif staff and confirmed:
            yield Audience(staff_people(resource), Kind.MOVED, Itip.REQUEST)
