"""Who may do what: the pure predicates, and their SQL twins, which must agree row for row."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from booking import permissions
from booking.extensions import db
from booking.models import AuditEntry, Booking, Organisation, Resource, Role, User
from booking.permissions import (can_book, can_change, can_decide, can_find,
                                 can_manage_organisation, can_manage_resource, can_see_booking,
                                 can_see_details, is_offered)
from tests.conftest import utc


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
    assert can_book(person(1, SCHOOL), resource())
    assert can_book(person(2, OTHER), resource())


def test_restricted_resources_only_by_the_owner_and_the_named_organisations():
    shared = resource(open_to_all=False, allowed_organisations=[SCHOOL])
    assert can_book(person(1, SCHOOL), shared)
    assert can_book(person(2, OWNER), shared)
    assert not can_book(person(3, OTHER), shared)
    assert not can_book(person(4, OTHER, Role.ORG_ADMIN), shared)
    assert not can_find(person(5, OTHER), shared)
    assert can_find(person(6, OTHER, Role.PLATFORM_ADMIN), shared)


def test_nobody_books_an_inactive_resource_but_its_managers_still_find_it():
    inactive = resource(is_active=False)
    assert not can_book(person(1, OWNER, Role.ORG_ADMIN), inactive)
    assert can_find(person(1, OWNER, Role.ORG_ADMIN), inactive)
    assert not can_find(person(2, SCHOOL), inactive)


def test_a_suspended_organisations_resources_cannot_be_found_or_booked():
    suspended = org(4, active=False)
    theirs = resource(organisation=suspended, organisation_id=suspended.id)
    assert not is_offered(theirs)
    assert not can_find(person(1, SCHOOL), theirs) and not can_book(person(1, SCHOOL), theirs)
    assert can_find(person(2, SCHOOL, Role.PLATFORM_ADMIN), theirs)


def test_inactive_people_and_suspended_organisations_book_and_see_nothing():
    lab = resource()
    for nobody in (person(1, SCHOOL, active=False), person(2, org(4, active=False))):
        assert not can_book(nobody, lab) and not can_find(nobody, lab)
        booking = Booking(user_id=nobody.id, organisation_id=nobody.organisation_id,
                          resource=lab, resource_id=lab.id)
        assert not can_see_details(nobody, booking) and not can_change(nobody, booking)


def test_booking_details_changing_and_deciding():
    lab = resource()
    booker, colleague = person(1, SCHOOL), person(2, SCHOOL)
    stranger, owner_admin = person(3, OTHER), person(4, OWNER, Role.ORG_ADMIN)
    booking = Booking(user_id=booker.id, organisation_id=SCHOOL.id, resource=lab,
                      resource_id=lab.id)
    assert can_see_details(colleague, booking) and can_see_details(owner_admin, booking)
    assert not can_see_details(stranger, booking)
    assert can_see_booking(stranger, booking)  # as busy: the resource is open to all
    assert not can_see_booking(stranger, Booking(
        user_id=booker.id, organisation_id=SCHOOL.id, resource=resource(open_to_all=False),
        resource_id=lab.id))
    assert can_change(booker, booking) and can_change(owner_admin, booking)
    assert not can_change(colleague, booking)
    assert can_decide(owner_admin, booking) and not can_decide(booker, booking)


# ---------------------------------------------------------------------- SQL twins


@pytest.fixture
def every_case(app, make_org, make_user, make_resource):
    """Every kind of person against every kind of resource and booking, stored."""
    owner, school, suspended = make_org("Owner", "enterprise"), make_org("School"), \
        make_org("Suspended", is_active=False)
    chair = make_org("Chair", "association")
    people = [make_user(org_id=school), make_user(org_id=school, role="org_admin"),
              make_user(org_id=owner), make_user(org_id=owner, role="org_admin"),
              make_user(org_id=suspended), make_user(org_id=suspended, role="org_admin"),
              make_user(org_id=school, is_active_account=False),
              make_user(org_id=chair, role="platform_admin")]
    for owned_by, active, sharing in itertools.product(
            (owner, suspended), (True, False), ("all", "none", "school")):
        resource_id = make_resource(owned_by, is_active=active, open_to_all=sharing == "all")
        with app.app_context():
            resource = db.session.get(Resource, resource_id)
            if sharing == "school":
                resource.allowed_organisations = [db.session.get(Organisation, school)]
            if sharing != "none":  # a mentor's time: the owner's member (issue 14)
                resource.kind = "staff"
                resource.person_id = people[2] if owned_by == owner else people[4]
            for number, booker in enumerate((people[0], people[2], people[4])):
                user = db.session.get(User, booker)
                start = utc(2030, 1, 1 + number)
                db.session.add(Booking(resource=resource, user=user,
                                       organisation_id=user.organisation_id,
                                       start_at=start, end_at=start.replace(hour=1),
                                       occupied_start_at=start,
                                       occupied_end_at=start.replace(hour=1)))
            db.session.commit()
    with app.app_context():  # audit entries of every organisation, on either side, or none
        for first, second in itertools.product((owner, school, suspended, chair, None),
                                               (owner, school, None)):
            db.session.add(AuditEntry(at=utc(2030, 1, 1), actor_email="a@b.org",
                                      action="booking.created", object_type="booking",
                                      object_id=1, organisation_id=first,
                                      other_organisation_id=second, details={}))
        db.session.commit()
    return people


PAIRS = [(Resource, permissions.can_find, permissions.findable),
         (Resource, permissions.can_book, permissions.bookable),
         (Resource, lambda _user, r: permissions.is_offered(r), lambda _user: permissions.offered()),
         (Resource, permissions.can_manage_resource, permissions.managed),
         (Booking, permissions.can_see_details, permissions.details_visible),
         (Booking, permissions.can_see_booking, permissions.booking_visible),
         (Resource, permissions.is_person_of, permissions.persons_resources),
         (Resource, permissions.can_keep_hours, permissions.hours_kept),
         (Booking, permissions.is_own_booking, permissions.own_bookings),
         (AuditEntry, permissions.can_see_audit_entry, permissions.audit_visible)]


@pytest.mark.parametrize("model, predicate, twin", PAIRS)
def test_each_predicate_and_its_sql_twin_agree_on_every_row(app, every_case, model, predicate,
                                                             twin):
    some_may = some_may_not = False
    with app.app_context():
        rows = list(db.session.scalars(sa.select(model)))
        for user in (db.session.get(User, user_id) for user_id in every_case):
            in_python = {row.id for row in rows if predicate(user, row)}
            in_sql = set(db.session.scalars(sa.select(model.id).where(twin(user))))
            assert in_python == in_sql, (user.role, user.organisation.name, user.is_active)
            some_may |= bool(in_python)
            some_may_not |= len(in_python) < len(rows)
    assert some_may and some_may_not  # the cases tell the answers apart


def test_the_ledger_rows_predicate_and_its_sql_twin_agree(app, every_case):
    """Sharing statistics: platform admins every row, org admins rows naming their own."""
    from booking.models import LedgerEntry
    from booking.services import ledger

    with app.app_context():
        for booking in db.session.scalars(sa.select(Booking)):
            ledger.count_booking(booking)
        db.session.commit()
        rows = list(db.session.scalars(sa.select(LedgerEntry)))
        key = lambda e: (e.resource_id, e.borrower_organisation_id, e.day)  # noqa: E731
        seen = set()
        for user in (db.session.get(User, user_id) for user_id in every_case):
            in_python = {key(e) for e in rows if permissions.can_see_ledger_row(user, e)}
            in_sql = {key(e) for e in db.session.scalars(
                sa.select(LedgerEntry).where(permissions.ledger_visible(user)))}
            assert in_python == in_sql, (user.role, user.organisation.name)
            seen.add(len(in_python))
    assert 0 in seen and len(rows) in seen and len(seen) > 2  # none, all, and some


def test_a_persons_being_active_and_its_sql_twin_agree(app, every_case):
    """User.is_active in Python and in SQL (the API token's read): account and organisation."""
    with app.app_context():
        people = [db.session.get(User, user_id) for user_id in every_case]
        in_sql = set(db.session.scalars(sa.select(User.id).where(User.is_active)))
        assert {user.id for user in people if user.is_active} == in_sql & set(every_case)
        assert {user.is_active for user in people} == {True, False}


def test_a_calendar_pages_resource_head_is_found_exactly_when_the_resource_is(app, every_case):
    """services.calendar.find_resource_head (a plain row) and can_find on the resource agree."""
    from booking.exceptions import NotFound
    from booking.services.calendar import find_resource_head

    seen = set()
    with app.app_context():
        resources = list(db.session.scalars(sa.select(Resource)))
        for user in (db.session.get(User, user_id) for user_id in every_case):
            for resource in resources:
                try:
                    head = find_resource_head(user, resource.id)
                except NotFound:
                    head = None
                assert (head is not None) == can_find(user, resource), (
                    user.role, user.organisation.name, resource.id)
                if head is not None:
                    assert (head.timezone, head.feed_version) == (resource.timezone,
                                                                  resource.feed_version)
                seen.add(head is not None)
    assert seen == {True, False}
