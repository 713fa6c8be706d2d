"""Who may do what: the pure predicates, on models that are never stored."""

from __future__ import annotations

import pytest

from booking.models import Booking, Organisation, Resource, Role, User
from booking.permissions import (can_cancel, can_decide, can_manage_organisation,
                                 can_manage_resource, can_see_details, may_book)


def org(org_id: int, active: bool = True) -> Organisation:
    return Organisation(id=org_id, name=f"Org {org_id}", kind="school", is_active=active)


def person(user_id: int, organisation: Organisation, role: Role = Role.MEMBER,
           active: bool = True) -> User:
    return User(id=user_id, email=f"{user_id}@x.org", name="P", organisation=organisation,
                organisation_id=organisation.id, role=role, is_active_account=active)


OWNER, SCHOOL, OTHER = org(1), org(2), org(3)


def resource(**fields) -> Resource:
    values = {"id": 10, "organisation_id": OWNER.id, "organisation": OWNER, "kind": "facility",
              "name": "Lab", "is_active": True, "open_to_all": True, **fields}
    return Resource(**values)


@pytest.mark.parametrize("role,org_id,expected", [
    (Role.ORG_ADMIN, OWNER.id, True),
    (Role.ORG_ADMIN, SCHOOL.id, False),
    (Role.MEMBER, OWNER.id, False),
    (Role.PLATFORM_ADMIN, SCHOOL.id, True),
])
def test_can_manage_organisation(role, org_id, expected):
    assert can_manage_organisation(person(1, OWNER, role), org_id) is expected


def test_can_manage_resource_follows_the_owner():
    assert can_manage_resource(person(1, OWNER, Role.ORG_ADMIN), resource())
    assert not can_manage_resource(person(2, SCHOOL, Role.ORG_ADMIN), resource())


def test_open_resources_may_be_booked_by_every_member():
    assert may_book(person(1, SCHOOL), resource())
    assert may_book(person(2, OTHER), resource())


def test_restricted_resources_only_by_the_owner_and_the_named_organisations():
    shared = resource(open_to_all=False, allowed_organisations=[SCHOOL])
    assert may_book(person(1, SCHOOL), shared)
    assert may_book(person(2, OWNER), shared)
    assert not may_book(person(3, OTHER), shared)
    assert not may_book(person(4, OTHER, Role.ORG_ADMIN), shared)


def test_nobody_books_an_inactive_resource():
    assert not may_book(person(1, OWNER, Role.ORG_ADMIN), resource(is_active=False))


def test_inactive_people_and_suspended_organisations_book_nothing():
    assert not may_book(person(1, SCHOOL, active=False), resource())
    assert not may_book(person(2, org(4, active=False)), resource())


def test_booking_details_cancelling_and_deciding():
    lab = resource()
    booker, colleague = person(1, SCHOOL), person(2, SCHOOL)
    stranger, owner_admin = person(3, OTHER), person(4, OWNER, Role.ORG_ADMIN)
    booking = Booking(user_id=booker.id, organisation_id=SCHOOL.id, resource=lab,
                      resource_id=lab.id)
    assert can_see_details(colleague, booking) and can_see_details(owner_admin, booking)
    assert not can_see_details(stranger, booking)
    assert can_cancel(booker, booking) and can_cancel(owner_admin, booking)
    assert not can_cancel(colleague, booking)
    assert can_decide(owner_admin, booking) and not can_decide(booker, booking)
