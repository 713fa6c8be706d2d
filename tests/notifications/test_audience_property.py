"""Property: for any sequence of changes to a booking by its booker and the owner's admin, the
outbox holds exactly the rows the issue's table asks for (an oracle written from the issue,
state by state), and a refused change adds none."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.exceptions import BookingError
from booking.extensions import db
from booking.models import Kind, Notification
from booking.services import bookings
from booking.services.bookings import BookingRequest
from tests.notifications.conftest import person, soon

_days = itertools.count(20)
OPERATIONS = st.lists(st.tuples(st.sampled_from(["approve", "reject", "cancel", "move"]),
                                st.sampled_from(["teacher", "admin"])), max_size=6)


def oracle(kind: str, status: str, op: str, actor: str) -> tuple[str, set]:
    """(new status, {(recipient, kind)}) for one change; ("refused", set()) if not allowed."""
    occupies = status in ("pending", "confirmed")
    if op in ("approve", "reject"):
        if actor != "admin" or status != "pending":
            return "refused", set()
        if op == "reject":
            return "rejected", {("teacher", Kind.REJECTED)}
        return "confirmed", {("teacher", Kind.APPROVED)}  # staff: the admin approved it
    if not occupies:
        return "refused", set()
    if op == "cancel":
        if actor == "admin":
            return "cancelled", {("teacher", Kind.CANCELLED)}
        return "cancelled", ({("admin", Kind.CANCELLED)}
                             if kind == "staff" and status == "confirmed" else set())
    if actor == "admin":  # move
        return status, {("teacher", Kind.MOVED)}
    new = "pending" if kind == "approval" else status
    if new == "pending":
        return new, {("admin", Kind.REQUEST)}
    return new, {("admin", Kind.MOVED)} if kind == "staff" else set()


@pytest.mark.sqlite_only("the rule is the same on both engines: SQLite keeps the run short")
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["approval", "instant", "staff"]), operations=OPERATIONS)
def test_the_outbox_follows_the_issues_table(app, world, kind, operations):
    people = {"teacher": world.teacher, "admin": world.admin}
    resource = {"approval": world.studio, "instant": world.lab, "staff": world.mentor}[kind]
    day = next(_days)
    with app.app_context():
        def new_rows() -> set:
            found = db.session.execute(sa.select(Notification.user_id, Notification.kind)
                                       .where(Notification.id > seen[0])
                                       .order_by(Notification.id)).all()
            if found:
                seen[0] = db.session.scalar(sa.select(sa.func.max(Notification.id)))
            names = {v: k for k, v in people.items()}
            return {(names[user_id], note_kind) for user_id, note_kind in found}

        seen = [db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0]
        start = soon(day)
        booking = bookings.create_booking(person(world.teacher), BookingRequest(
            resource, start, start + timedelta(hours=1)))
        booking_id = booking.id
        status = "pending" if kind == "approval" else "confirmed"
        assert new_rows() == {"approval": {("admin", Kind.REQUEST)}, "instant": set(),
                              "staff": {("admin", Kind.BOOKED)}}[kind]
        for step, (op, actor) in enumerate(operations, start=1):
            expected_status, expected = oracle(kind, status, op, actor)
            who = person(people[actor])
            try:
                if op == "approve":
                    bookings.approve_booking(who, booking_id)
                elif op == "reject":
                    bookings.reject_booking(who, booking_id, "No")
                elif op == "cancel":
                    bookings.cancel_booking(who, booking_id)
                else:
                    moved = start + timedelta(hours=2 * step)
                    bookings.move_booking(who, booking_id, moved, moved + timedelta(hours=1))
            except BookingError:
                db.session.rollback()
                assert expected_status == "refused", (op, actor, status)
                assert new_rows() == set()
                continue
            assert expected_status != "refused", (op, actor, status)
            status = expected_status
            assert new_rows() == expected, (kind, op, actor, status)
