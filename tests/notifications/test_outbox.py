"""The outbox row is written in the change's own transaction: a refused or rolled-back change
leaves none, and who is told follows booking.notifications.audience."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking import events
from booking.exceptions import Conflict
from booking.extensions import db
from booking.models import Booking, Kind, Notification
from booking.services import bookings
from booking.services.bookings import BookingRequest
from tests.notifications.conftest import deliver, person, soon


def rows() -> list[tuple[int, Kind]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(Notification.user_id, Notification.kind).order_by(Notification.id))]


def test_a_refused_request_queues_nothing(mail_app, world, smtp_server, make_booking):
    start = soon()
    make_booking(world.studio, world.admin, start, start + timedelta(hours=2))
    with mail_app.app_context():
        with pytest.raises(Conflict):
            bookings.create_booking(person(world.teacher), BookingRequest(
                world.studio, start, start + timedelta(hours=1)))
        assert rows() == []
        assert deliver().sent == 0
    assert smtp_server.messages == []


def test_a_rolled_back_change_queues_nothing(mail_app, world, smtp_server):
    """A later subscriber fails after the outbox wrote its row: the change and the row go."""
    def refuse(_event) -> None:
        raise RuntimeError("audit store unavailable")

    events.subscribe(mail_app, refuse)
    with mail_app.app_context():
        with pytest.raises(RuntimeError):
            bookings.create_booking(person(world.teacher), BookingRequest(
                world.studio, soon(), soon() + timedelta(hours=1)))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
        assert rows() == []
        assert deliver().sent == 0
    assert smtp_server.messages == []


def test_a_committed_request_is_queued_with_its_change(mail_app, world, make_user):
    second_admin = make_user("deputy@enterprise.example", world.owner_org, role="org_admin")
    make_user("member@enterprise.example", world.owner_org)  # not an approver
    with mail_app.app_context():
        bookings.create_booking(person(world.teacher), BookingRequest(
            world.studio, soon(), soon() + timedelta(hours=1)))
        assert sorted(rows()) == [(world.admin, Kind.REQUEST), (second_admin, Kind.REQUEST)]


def test_an_admin_booking_their_own_resource_is_not_told(mail_app, world):
    with mail_app.app_context():
        bookings.create_booking(person(world.admin), BookingRequest(
            world.studio, soon(), soon() + timedelta(hours=1)))  # confirmed at once
        assert rows() == []


def test_an_instant_booking_of_a_facility_tells_nobody(mail_app, world):
    with mail_app.app_context():
        bookings.create_booking(person(world.teacher), BookingRequest(
            world.lab, soon(), soon() + timedelta(hours=1)))
        assert rows() == []


def test_an_approved_staff_request_tells_the_booker_and_the_staff_person(
        mail_app, world, make_user, make_resource):
    deputy = make_user("deputy@enterprise.example", world.owner_org, role="org_admin")
    mentor = make_resource(world.owner_org, name="Mentor: Chen", kind="staff",
                           approval_required=True)
    with mail_app.app_context():
        booking = bookings.create_booking(person(world.teacher), BookingRequest(
            mentor, soon(), soon() + timedelta(hours=1)))
        bookings.approve_booking(person(world.admin), booking.id)
        assert sorted(rows()) == sorted([
            (world.admin, Kind.REQUEST), (deputy, Kind.REQUEST),  # the request
            (world.teacher, Kind.APPROVED),                       # the booker
            (deputy, Kind.BOOKED),  # staff_people(): the owner's admins, the approver left out
        ])
