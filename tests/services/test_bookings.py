"""The booking service: rules applied inside one transaction, refusals that change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from booking import scheduling
from booking.exceptions import Conflict, InvalidInput, NotAllowed, NotFound, StateConflict
from booking.extensions import db
from booking.models import Booking, BookingStatus, Closure, Resource, User
from booking.services import bookings as service
from booking.services.bookings import BookingRequest
from tests.conftest import utc

NOW = utc(2027, 1, 4, 0, 0)  # a Monday
TUESDAY = utc(2027, 3, 2, 6, 0)  # 14:00 in Asia/Shanghai


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Booking))


def _book(user_id, resource_id, start, hours=2, **kw):
    return service.create_booking(
        _user(user_id), BookingRequest(resource_id, start, start + timedelta(hours=hours), **kw),
        now=NOW)


@pytest.fixture
def world(make_org, make_user, make_resource):
    """A school teacher, an enterprise with its admin, and a lab shared with everyone."""
    school, enterprise = make_org("School", "school"), make_org("Studio", "enterprise")
    return {
        "teacher": make_user("teacher@school.org", school),
        "other_teacher": make_user("other@school.org", school),
        "outsider": make_user("someone@elsewhere.org", make_org("Elsewhere")),
        "owner_admin": make_user("admin@studio.org", enterprise, role="org_admin"),
        "enterprise": enterprise,
        "lab": make_resource(enterprise, name="Lab", buffer_after_minutes=30),
    }


def test_booking_is_confirmed_and_occupies_with_buffers(app, world):
    with app.app_context():
        booking = _book(world["teacher"], world["lab"], TUESDAY, title="Motion capture")
        assert booking.status is BookingStatus.CONFIRMED
        assert booking.occupied_end_at == TUESDAY + timedelta(hours=2, minutes=30)
        assert booking.exclusive
        assert db.session.get(Resource, world["lab"]).longest_occupied_minutes == 150


def test_touching_bookings_do_not_clash_but_buffers_do(app, world, make_resource):
    plain = make_resource(world["enterprise"])
    with app.app_context():
        _book(world["teacher"], plain, TUESDAY)
        _book(world["teacher"], plain, TUESDAY + timedelta(hours=2))  # 16:00 after 14-16
        _book(world["teacher"], world["lab"], TUESDAY)
        with pytest.raises(Conflict):  # the lab keeps 30 minutes free after each booking
            _book(world["teacher"], world["lab"], TUESDAY + timedelta(hours=2))


def test_conflict_says_when_and_offers_alternatives_and_stores_nothing(app, world):
    with app.app_context():
        first_id = _book(world["teacher"], world["lab"], TUESDAY).id
        before = _count()
        with pytest.raises(Conflict) as refused:
            _book(world["other_teacher"], world["lab"], TUESDAY + timedelta(hours=1))
        assert _count() == before
    reason, = refused.value.reasons
    assert reason.code == scheduling.CONFLICT and reason.booking_ids == (first_id,)
    alternatives = refused.value.alternatives
    assert alternatives and all(a.duration == timedelta(hours=2) for a in alternatives)
    assert all(not a.overlaps(scheduling.Interval(TUESDAY, TUESDAY + timedelta(hours=2, minutes=30)))
               for a in alternatives)


def test_every_reason_is_reported_at_once(app, world, make_resource):
    strict = make_resource(world["enterprise"], min_minutes=60, max_minutes=120,
                           windows=[(1, "09:00", "12:00")])
    with app.app_context():
        with pytest.raises(Conflict) as refused:
            _book(world["teacher"], strict, TUESDAY, hours=3)  # 14-17, too long, closed then
    codes = {r.code for r in refused.value.reasons}
    assert codes == {scheduling.TOO_LONG, scheduling.OUTSIDE_AVAILABILITY}


def test_approval_makes_pending_which_still_occupies(app, world, make_resource):
    studio = make_resource(world["enterprise"], approval_required=True)
    with app.app_context():
        request = _book(world["teacher"], studio, TUESDAY)
        assert request.status is BookingStatus.PENDING
        with pytest.raises(Conflict):
            _book(world["other_teacher"], studio, TUESDAY)
        own = _book(world["owner_admin"], studio, TUESDAY + timedelta(days=1))
        assert own.status is BookingStatus.CONFIRMED


def test_approve_checks_the_rules_again(app, world, make_resource):
    studio = make_resource(world["enterprise"], approval_required=True)
    with app.app_context():
        pending = _book(world["teacher"], studio, TUESDAY)
        db.session.add(Closure(resource_id=studio, start_at=TUESDAY - timedelta(days=1),
                               end_at=TUESDAY + timedelta(days=1), reason="Maintenance"))
        db.session.commit()
        with pytest.raises(Conflict) as refused:
            service.approve_booking(_user(world["owner_admin"]), pending.id, now=NOW)
        assert refused.value.reasons[0].code == scheduling.CLOSED
        assert db.session.get(Booking, pending.id).status is BookingStatus.PENDING


def test_approve_and_reject(app, world, make_resource):
    studio = make_resource(world["enterprise"], approval_required=True)
    with app.app_context():
        first = _book(world["teacher"], studio, TUESDAY)
        second = _book(world["teacher"], studio, TUESDAY + timedelta(days=1))
        admin = _user(world["owner_admin"])
        approved = service.approve_booking(admin, first.id, now=NOW)
        assert approved.status is BookingStatus.CONFIRMED and approved.sequence == 1
        rejected = service.reject_booking(admin, second.id, "The studio is being moved.")
        assert rejected.status is BookingStatus.REJECTED
        assert rejected.decision_reason == "The studio is being moved."
        with pytest.raises(StateConflict):
            service.reject_booking(admin, first.id)
        with pytest.raises(NotAllowed):
            service.approve_booking(_user(world["teacher"]), second.id, now=NOW)
        # A rejected request frees the time.
        assert _book(world["other_teacher"], studio, TUESDAY + timedelta(days=1))


@pytest.mark.parametrize("start, end, quantity, field", [
    (TUESDAY, TUESDAY, 1, "end"),
    (TUESDAY, TUESDAY - timedelta(hours=1), 1, "end"),
    (TUESDAY.replace(tzinfo=None), TUESDAY.replace(tzinfo=None) + timedelta(hours=1), 1, "start"),
    (datetime(9999, 12, 31, 23, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 30, tzinfo=timezone.utc), 1, "start"),
    (TUESDAY, TUESDAY + timedelta(days=400), 1, "end"),
    (TUESDAY, TUESDAY + timedelta(hours=1), 0, "quantity"),
    (TUESDAY, TUESDAY + timedelta(hours=1), -3, "quantity"),
    (TUESDAY, TUESDAY + timedelta(hours=1), 2, "quantity"),  # above the lab's capacity of 1
])
def test_malformed_requests_are_refused_and_change_nothing(app, world, start, end, quantity,
                                                           field):
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            service.create_booking(_user(world["teacher"]),
                                   BookingRequest(world["lab"], start, end, quantity), now=NOW)
        assert field in refused.value.fields
        assert _count() == 0


def test_unknown_deactivated_and_unshared_resources(app, world, make_resource, make_org):
    private = make_resource(world["enterprise"], open_to_all=False)
    closed = make_resource(world["enterprise"], is_active=False)
    with app.app_context():
        with pytest.raises(NotFound):
            _book(world["teacher"], 987654, TUESDAY)
        with pytest.raises(NotFound):
            _book(world["teacher"], closed, TUESDAY)
        with pytest.raises(NotFound):  # not shared: as if it did not exist (issue 15)
            _book(world["teacher"], private, TUESDAY)
        resource = db.session.get(Resource, private)
        resource.allowed_organisations.append(_user(world["teacher"]).organisation)
        db.session.commit()
        assert _book(world["teacher"], private, TUESDAY)
        assert _count() == 1


def test_cancel_frees_the_time_and_only_for_those_allowed(app, world):
    with app.app_context():
        booking = _book(world["teacher"], world["lab"], TUESDAY)
        with pytest.raises(NotAllowed):
            service.cancel_booking(_user(world["outsider"]), booking.id)
        with pytest.raises(NotAllowed):  # same school, but not the booker nor the owner
            service.cancel_booking(_user(world["other_teacher"]), booking.id)
        assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED
        cancelled = service.cancel_booking(_user(world["owner_admin"]), booking.id)
        assert cancelled.status is BookingStatus.CANCELLED and cancelled.sequence == 1
        with pytest.raises(StateConflict):
            service.cancel_booking(_user(world["teacher"]), booking.id)
        assert _book(world["other_teacher"], world["lab"], TUESDAY).status is BookingStatus.CONFIRMED


def test_capacity_is_a_sum_of_quantities(app, world, make_resource):
    seats = make_resource(world["enterprise"], capacity=20, kind="practice_base")
    with app.app_context():
        _book(world["teacher"], seats, TUESDAY, hours=24 * 7, quantity=12)
        _book(world["other_teacher"], seats, TUESDAY + timedelta(days=1), hours=24 * 7, quantity=8)
        with pytest.raises(Conflict) as refused:
            _book(world["outsider"], seats, TUESDAY + timedelta(days=2), quantity=1)
        assert refused.value.reasons[0].limit == 0
        booking = _book(world["outsider"], seats, TUESDAY + timedelta(days=8), quantity=20)
        assert not booking.exclusive


def test_a_long_booking_far_in_the_past_is_still_seen(app, world, make_resource):
    """The conflict query's look-back bound grows with the longest booking ever made."""
    base = make_resource(world["enterprise"], kind="practice_base")
    with app.app_context():
        _book(world["teacher"], base, TUESDAY, hours=24 * 60)  # two months
        with pytest.raises(Conflict):
            _book(world["other_teacher"], base, TUESDAY + timedelta(days=50))


def test_the_database_itself_refuses_overlaps_on_postgresql(app, world, make_booking):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the exclusion constraint exists on PostgreSQL only")
    make_booking(world["lab"], world["teacher"], TUESDAY, TUESDAY + timedelta(hours=2))
    with pytest.raises(sa.exc.IntegrityError, match="booking_no_overlap"):
        make_booking(world["lab"], world["teacher"], TUESDAY + timedelta(hours=1),
                     TUESDAY + timedelta(hours=3))
