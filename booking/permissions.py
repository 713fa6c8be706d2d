"""Who may do what: pure predicates that take the person, each with its SQL twin beside it.

This is the app's one visibility rule. A resource is *offered* while it and its owner are
active. A person may *find* it (catalogue, calendars, timeline, API, feeds) when it is offered
and shared with their organisation, or when they manage it; may *book* it when it is offered
and shared with them; sees a *booking* when they may find its resource or see its details;
sees its *details* (purpose, booker) when the booking is their organisation's or on their
organisation's resource. Suspended organisations' people are not active: they see nothing.
A staff resource may name its *person* (a member of the owning organisation): the bookings of
that person's time are their *own* as much as the ones they made (My bookings, My calendar,
their feed, the home page), and they keep its weekly hours and closures and may cancel its
bookings, but change none of its other rules.
Every list in the app filters with the SQL twin, every single object with the predicate, and
tests/test_permissions.py checks that each pair agrees.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from booking.models import (AuditEntry, Booking, LedgerEntry, Organisation, Resource,
                            resource_allowed_organisation)

if TYPE_CHECKING:
    from booking.models import User


def can_manage_organisation(user: User, organisation_id: int) -> bool:
    """Org admins manage their own organisation; platform admins manage all."""
    if user.is_platform_admin:
        return True
    return user.is_org_admin and user.organisation_id == organisation_id


def can_manage_resource(user: User, resource: Resource) -> bool:
    return can_manage_organisation(user, resource.organisation_id)


def managed(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_manage_resource."""
    if user.is_platform_admin:
        return sa.true()
    if user.is_org_admin:
        return Resource.organisation_id == user.organisation_id
    return sa.false()


# ---------------------------------------------------------------------------- resources

def is_offered(resource: Resource) -> bool:
    """The resource and the organisation that owns it are both active."""
    return resource.is_active and resource.organisation.is_active


@cache
def offered() -> sa.ColumnElement[bool]:
    """SQL for is_offered (the same for everyone: built once)."""
    owner = aliased(Organisation)
    owner_active = (sa.select(owner.is_active).where(owner.id == Resource.organisation_id)
                    .correlate(Resource).scalar_subquery())
    return sa.and_(Resource.is_active, owner_active)


def is_shared_with(user: User, resource: Resource) -> bool:
    """Open to all, the person's own organisation's, or shared with it by name."""
    return (resource.open_to_all or resource.organisation_id == user.organisation_id
            or any(o.id == user.organisation_id for o in resource.allowed_organisations))


def shared_with(user: User) -> sa.ColumnElement[bool]:
    """SQL for is_shared_with."""
    named = sa.exists().where(resource_allowed_organisation.c.resource_id == Resource.id,
                              resource_allowed_organisation.c.organisation_id
                              == user.organisation_id)
    return sa.or_(Resource.open_to_all, Resource.organisation_id == user.organisation_id, named)


def can_find(user: User, resource: Resource) -> bool:
    """Whether the resource exists for the person: anything else answers 404."""
    if not user.is_active:
        return False
    return can_manage_resource(user, resource) or (
        is_offered(resource) and is_shared_with(user, resource))


def findable(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_find."""
    if not user.is_active:
        return sa.false()
    return sa.or_(managed(user), sa.and_(offered(), shared_with(user)))


def can_book(user: User, resource: Resource) -> bool:
    """Whether the person's organisation may book the resource now."""
    return user.is_active and is_offered(resource) and is_shared_with(user, resource)


def bookable(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_book."""
    if not user.is_active:
        return sa.false()
    return sa.and_(offered(), shared_with(user))


# ---------------------------------------------------------------------------- a resource's person

def is_person_of(user: User, resource: Resource) -> bool:
    """The staff resource is this (active) person's time."""
    return user.is_active and resource.person_id is not None and resource.person_id == user.id


def persons_resources(user: User) -> sa.ColumnElement[bool]:
    """SQL for is_person_of (on Resource)."""
    if not user.is_active:
        return sa.false()
    return Resource.person_id == user.id


def people_to_tell(resource: Resource) -> list[User]:
    """Whose time a booking of the resource takes: its person, if it names an active one.

    For notifications: the booker and the owner's admins are told anyway; this adds the
    mentor of a staff resource.
    """
    person = resource.person
    return [person] if person is not None and person.is_active else []


#: What the person of a staff resource keeps: its weekly hours and closures.
HOURS_FIELDS = frozenset({"windows", "closures"})


def can_change_fields(user: User, resource: Resource, names) -> bool:
    """Managers change any field of the resource; its person only HOURS_FIELDS."""
    return can_manage_resource(user, resource) or (
        is_person_of(user, resource) and set(names) <= HOURS_FIELDS)


def can_keep_hours(user: User, resource: Resource) -> bool:
    """Weekly hours and closures: the resource's managers and its person."""
    return can_manage_resource(user, resource) or is_person_of(user, resource)


def hours_kept(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_keep_hours (on Resource)."""
    return sa.or_(managed(user), persons_resources(user))


# ---------------------------------------------------------------------------- bookings

def is_own_booking(user: User, booking: Booking) -> bool:
    """Booked by the person, or booked on the person's time (the staff resource naming them)."""
    return booking.user_id == user.id or booking.resource.person_id == user.id


def own_bookings(user: User) -> sa.ColumnElement[bool]:
    """SQL for is_own_booking (on Booking; no join needed)."""
    return own_bookings_of(user.id)


def own_bookings_of(who: int | sa.BindParameter) -> sa.ColumnElement[bool]:
    """own_bookings for a person's id, or a bound parameter standing for one (feeds)."""
    return sa.or_(Booking.user_id == who,
                  # Never correlated: queries that also join Resource read the same rows.
                  Booking.resource_id.in_(sa.select(Resource.id).where(Resource.person_id == who)
                                          .correlate(None).scalar_subquery()))


def can_see_details(user: User, booking: Booking) -> bool:
    """Purpose and booker: the booker's and the owner's organisation, and platform admins."""
    if not user.is_active:
        return False
    return (user.is_platform_admin
            or user.organisation_id in (booking.organisation_id,
                                        booking.resource.organisation_id))


def details_visible(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_see_details (on Booking; no join needed)."""
    if not user.is_active:
        return sa.false()
    if user.is_platform_admin:
        return sa.true()
    return sa.or_(Booking.organisation_id == user.organisation_id,
                  Booking.resource.has(Resource.organisation_id == user.organisation_id))


def can_see_booking(user: User, booking: Booking) -> bool:
    """Whether the booking exists for the person (as busy at least); else 404."""
    return can_see_details(user, booking) or can_find(user, booking.resource)


def booking_visible(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_see_booking (on Booking; no join needed)."""
    return sa.or_(details_visible(user), Booking.resource.has(findable(user)))


def can_change(user: User, booking: Booking) -> bool:
    """Cancel or move: the booker, or an admin of the organisation that owns the resource."""
    return user.is_active and (booking.user_id == user.id
                               or can_manage_resource(user, booking.resource))


def can_cancel(user: User, booking: Booking) -> bool:
    """Cancel: whoever may change it, and the person whose time the booking takes."""
    return can_change(user, booking) or is_person_of(user, booking.resource)


def can_decide(user: User, booking: Booking) -> bool:
    """Approve or reject: admins of the owning organisation."""
    return can_manage_resource(user, booking.resource)


# ---------------------------------------------------------------------------- audit trail

def can_read_audit(user: User) -> bool:
    """The audit trail is for administrators: members are refused (403), not shown nothing."""
    return user.is_active and user.is_org_admin


def can_see_audit_entry(user: User, entry: AuditEntry) -> bool:
    """Platform admins read every entry; organisation admins their organisation's.

    An entry is an organisation's when it owns the object (its resources and their
    bookings, its people, their tokens and feeds) or is the other side of it (the
    organisation that made a booking on another's resource).
    """
    if not can_read_audit(user):
        return False
    return user.is_platform_admin or user.organisation_id in (
        entry.organisation_id, entry.other_organisation_id)


def audit_visible(user: User) -> sa.ColumnElement[bool]:
    """SQL for can_see_audit_entry (on AuditEntry)."""
    if not can_read_audit(user):
        return sa.false()
    if user.is_platform_admin:
        return sa.true()
    return sa.or_(AuditEntry.organisation_id == user.organisation_id,
                  AuditEntry.other_organisation_id == user.organisation_id)


# ---------------------------------------------------------------------------- the ledger
def can_see_sharing(user: User) -> bool:
    """The sharing statistics: platform admins all of them, org admins their own rows."""
    return user.is_active and user.is_org_admin


def can_see_ledger_row(user: User, entry: LedgerEntry) -> bool:
    """A row of the sharing table: every row for platform admins; one naming the org for its
    admins (as owner or borrower); none for members."""
    if not can_see_sharing(user):
        return False
    return user.is_platform_admin or user.organisation_id in (
        entry.owner_organisation_id, entry.borrower_organisation_id)


def ledger_visible(user: User, table=LedgerEntry) -> sa.ColumnElement[bool]:
    """SQL for can_see_ledger_row (on LedgerEntry, or LedgerMonth: the same columns)."""
    if not can_see_sharing(user):
        return sa.false()
    if user.is_platform_admin:
        return sa.true()
    return sa.or_(table.owner_organisation_id == user.organisation_id,
                  table.borrower_organisation_id == user.organisation_id)
