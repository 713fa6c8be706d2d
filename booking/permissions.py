"""Who may do what: pure predicates that take the person as an argument."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from booking.models import Booking, Resource, User


def can_manage_organisation(user: User, organisation_id: int) -> bool:
    """Org admins manage their own organisation; platform admins manage all."""
    if user.is_platform_admin:
        return True
    return user.is_org_admin and user.organisation_id == organisation_id


def can_manage_resource(user: User, resource: Resource) -> bool:
    return can_manage_organisation(user, resource.organisation_id)


def may_book(user: User, resource: Resource) -> bool:
    """Whether the person's organisation is among those the resource is shared with."""
    if not resource.is_active or not user.is_active:
        return False
    if resource.open_to_all or user.organisation_id == resource.organisation_id:
        return True
    return any(o.id == user.organisation_id for o in resource.allowed_organisations)


def can_see_details(user: User, booking: Booking) -> bool:
    """Purpose and booker are shown to the booker's and the owner's organisation only."""
    return (user.is_platform_admin
            or user.organisation_id in (booking.organisation_id,
                                        booking.resource.organisation_id))


def can_cancel(user: User, booking: Booking) -> bool:
    """The booker, or an admin of the organisation that owns the resource."""
    return booking.user_id == user.id or can_manage_resource(user, booking.resource)


def can_decide(user: User, booking: Booking) -> bool:
    """Approve or reject: admins of the owning organisation."""
    return can_manage_resource(user, booking.resource)
