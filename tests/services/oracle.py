"""The brute-force oracle of the stateful test: every row read plainly, and the product's
rules (capacity, opening hours, who may see what) written out again without the app's code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from booking.extensions import db
from booking.models import (AvailabilityWindow, Booking, Closure, Organisation, Resource, User,
                            resource_allowed_organisation)

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Person:
    key: str
    id: int
    organisation: str
    role: str
    token: str


@dataclass(frozen=True)
class BookingRow:
    id: int
    resource_id: int
    user_id: int
    organisation_id: int
    status: str
    start: datetime
    end: datetime
    occupied: tuple[datetime, datetime]
    quantity: int
    sequence: int

    @property
    def occupies(self) -> bool:
        return self.status in ("pending", "confirmed")


@dataclass(frozen=True)
class ResourceRow:
    id: int
    organisation_id: int
    capacity: int
    before: int
    after: int
    approval_required: bool
    is_active: bool
    open_to_all: bool
    allowed: frozenset[int]
    windows: tuple[tuple[int, time, time], ...]
    closures: tuple[tuple[datetime, datetime], ...]
    longest_minutes: int

    def widen(self, booking: BookingRow) -> tuple[datetime, datetime]:
        return (booking.start - timedelta(minutes=self.before),
                booking.end + timedelta(minutes=self.after))

    def open_at(self, booking: BookingRow) -> bool:
        """Inside one opening (if there are any) and touching no closure."""
        start, end = booking.start.astimezone(ZONE), booking.end.astimezone(ZONE)
        inside = not self.windows or any(
            start.weekday() == day and start.date() == end.date()
            and opens <= start.time() and end.time() <= closes
            for day, opens, closes in self.windows)
        return inside and not any(s < booking.end and booking.start < e
                                  for s, e in self.closures)


@dataclass(frozen=True)
class Rows:
    """Every row the rules are about, and the product's visibility rule written out again."""

    bookings: dict[int, BookingRow]
    resources: dict[int, ResourceRow]
    active_organisations: frozenset[int]
    people: dict[int, tuple[int, str]]  # id -> organisation id, role

    def active(self, person: Person) -> bool:
        return self.people[person.id][0] in self.active_organisations

    def organisation_of(self, person: Person) -> int:
        return self.people[person.id][0]

    def manages(self, person: Person, resource: ResourceRow) -> bool:
        return person.role == "platform_admin" or (
            person.role == "org_admin" and self.organisation_of(person) == resource.organisation_id)

    def offered(self, resource: ResourceRow) -> bool:
        return resource.is_active and resource.organisation_id in self.active_organisations

    def shared_with(self, person: Person, resource: ResourceRow) -> bool:
        org = self.organisation_of(person)
        return resource.open_to_all or org == resource.organisation_id or org in resource.allowed

    def finds(self, person: Person, resource: ResourceRow) -> bool:
        if not self.active(person):
            return False
        return self.manages(person, resource) or (
            self.offered(resource) and self.shared_with(person, resource))

    def lists(self, person: Person, resource: ResourceRow) -> bool:
        return self.finds(person, resource) and self.offered(resource)

    def details(self, person: Person, booking: BookingRow) -> bool:
        if not self.active(person):
            return False
        owner = self.resources[booking.resource_id].organisation_id
        return person.role == "platform_admin" or self.organisation_of(person) in (
            booking.organisation_id, owner)

    def sees_booking(self, person: Person, booking: BookingRow) -> bool:
        return self.details(person, booking) or self.finds(
            person, self.resources[booking.resource_id])


def read_rows() -> Rows:
    """Every booking, resource, organisation and person, as plain values."""
    bookings = {b.id: BookingRow(b.id, b.resource_id, b.user_id, b.organisation_id,
                                 b.status.value, b.start_at, b.end_at,
                                 (b.occupied_start_at, b.occupied_end_at), b.quantity, b.sequence)
                for b in db.session.scalars(sa.select(Booking))}
    allowed = {}
    for resource_id, org_id in db.session.execute(sa.select(resource_allowed_organisation)):
        allowed.setdefault(resource_id, set()).add(org_id)
    windows, closures = {}, {}
    for w in db.session.scalars(sa.select(AvailabilityWindow)):
        windows.setdefault(w.resource_id, []).append((w.weekday, w.start_time, w.end_time))
    for c in db.session.scalars(sa.select(Closure)):
        closures.setdefault(c.resource_id, []).append((c.start_at, c.end_at))
    resources = {r.id: ResourceRow(r.id, r.organisation_id, r.capacity, r.buffer_before_minutes,
                                   r.buffer_after_minutes, r.approval_required, r.is_active,
                                   r.open_to_all, frozenset(allowed.get(r.id, ())),
                                   tuple(sorted(windows.get(r.id, ()))),
                                   tuple(sorted(closures.get(r.id, ()))),
                                   r.longest_occupied_minutes)
                 for r in db.session.scalars(sa.select(Resource))}
    active = frozenset(db.session.scalars(sa.select(Organisation.id).where(
        Organisation.is_active)))
    people = {u.id: (u.organisation_id, u.role.value) for u in db.session.scalars(sa.select(User))}
    return Rows(bookings, resources, active, people)

