"""Every sequence of changes keeps the booking rules: a stateful test against a brute-force oracle.

Hypothesis drives the services with random sequences of booking, booking a series, cancelling
(one date, the following ones, all), deciding (one and a series), re-timing a series, moving a
date, changing a resource's capacity, buffers, hours, closures, approval and sharing, and
suspending and readmitting organisations. After every step an oracle that reads every row checks
what product.md promises: at no instant do the occupying bookings take more places than the
resource has (buffers included); the longest-occupied mark covers every occupied span; no
confirmed booking on a resource that needs approval has a time its owner did not confirm; every
surface shows each person what the visibility rule of product.md says, and the ledger equals a
brute-force sum (these two plain-SQL checks after every step that changed any row of any table:
the same rows give the same answers). A refused change changes nothing. The suite tries 12
sequences of 25 steps per engine; BOOKING_STATE_EXAMPLES=500 BOOKING_STATE_STEPS=40 searches
longer.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, rule,
                                 run_state_machine_as_test)

from booking.api import queries
from booking.exceptions import BookingError
from booking.extensions import db
from booking.models import (AvailabilityWindow, Booking, BookingSeries, Closure, LedgerMonth,
                            Organisation, Resource, User, resource_allowed_organisation)
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings, calendar, organisations, resources, series
from booking.services.api_tokens import create_token
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.conftest import PASSWORD
from booking.services.sharing import Period
from tests.services.oracle import ZONE, Person, Rows, read_rows
from tests.services.test_ledger import brute_force, from_ledger as ledger_rows

EXAMPLES = int(os.environ.get("BOOKING_STATE_EXAMPLES", "12"))
STEPS = int(os.environ.get("BOOKING_STATE_STEPS", "25"))
# Every booking lies on a Monday of the first weeks after FIRST_MONDAY: dates collide often.
FIRST_MONDAY = (datetime.now(ZONE) + timedelta(days=30)).date()
FIRST_MONDAY -= timedelta(days=FIRST_MONDAY.weekday())
WEEKS = 3

PEOPLE = ("owner_admin", "owner_member", "teacher", "colleague", "school_admin", "stranger",
          "platform")
ORGANISATIONS = ("owner", "school", "other", "chair")
SHARINGS = ((True, ()), (False, ()), (False, ("school",)), (False, ("other",)))
BUFFERS = ((0, 0), (0, 30), (15, 15))
WINDOWS = ((), ((0, "08:00", "20:00"),), ((0, "09:00", "13:00"),))


def local(week: int, hour: int) -> datetime:
    """The UTC instant of *hour* o'clock on the Monday *week* weeks after FIRST_MONDAY."""
    day = FIRST_MONDAY + timedelta(weeks=week)
    return datetime.combine(day, time(hour), tzinfo=ZONE)


@pytest.fixture
def people(app, make_org, make_user) -> dict:
    """The consortium the machine plays with: an enterprise, two schools and the chair."""
    orgs = {"owner": make_org("Owner", "enterprise"), "school": make_org("School"),
            "other": make_org("Other school"), "chair": make_org("Chair", "association")}
    roles = {"owner_admin": ("owner", "org_admin"), "owner_member": ("owner", "member"),
             "teacher": ("school", "member"), "colleague": ("school", "member"),
             "school_admin": ("school", "org_admin"), "stranger": ("other", "member"),
             "platform": ("chair", "platform_admin")}
    found = {}
    for key, (org, role) in roles.items():
        user_id = make_user(f"{key}@example.org", orgs[org], role=role)
        with app.app_context():
            _token, secret = create_token(db.session.get(User, user_id))
        found[key] = Person(key, user_id, org, role, secret)
    return {"organisations": orgs, "people": found}


@pytest.mark.slow
def test_bookings_keep_every_rule_after_any_sequence_of_changes(app, people):
    clients = {}
    for key in PEOPLE:
        client = app.test_client()
        client.post("/login", data={"email": f"{key}@example.org", "password": PASSWORD})
        clients[key] = client
    machine = type("Machine", (BookingMachine,), {"app": app, "orgs": people["organisations"],
                                                  "people": people["people"],
                                                  "clients": clients})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


people_keys = st.sampled_from(PEOPLE)
weeks = st.integers(0, WEEKS - 1)
hours = st.integers(8, 16)
lengths = st.integers(1, 4)
picks = st.integers(0, 10**6)


class BookingMachine(RuleBasedStateMachine):
    """Plays a consortium; the class attributes are set by the test (app, orgs, people)."""

    app = orgs = people = clients = None

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[int] = []
        self.rows: Rows | None = None  # as read after the last change
        # What each resource's owner (or a resource without approval) last accepted, by booking.
        self.accepted_times: dict[int, tuple[datetime, datetime]] = {}
        # Every row of every table when the ledger and the surfaces last held.
        self.checked_state: dict[str, list[tuple]] | None = None
        with self.app.app_context():
            for table in (LedgerMonth.__table__, Booking.__table__, BookingSeries.__table__,
                          Closure.__table__, AvailabilityWindow.__table__,
                          resource_allowed_organisation, Resource.__table__):
                db.session.execute(table.delete())
            db.session.execute(sa.update(Organisation).values(is_active=True))
            db.session.commit()

    # ------------------------------------------------------------------ the world

    @initialize(owned_by=st.lists(st.sampled_from(("owner", "school")), min_size=2, max_size=2),
                capacities=st.lists(st.sampled_from((1, 3)), min_size=2, max_size=2),
                approvals=st.lists(st.booleans(), min_size=2, max_size=2),
                buffers=st.lists(st.sampled_from(BUFFERS), min_size=2, max_size=2),
                sharings=st.lists(st.sampled_from(SHARINGS), min_size=2, max_size=2))
    def make_resources(self, owned_by, capacities, approvals, buffers, sharings):
        with self.app.app_context():
            for owner, capacity, approval, (before, after), (open_to_all, allowed) in zip(
                    owned_by, capacities, approvals, buffers, sharings):
                resource = Resource(
                    organisation_id=self.orgs[owner], kind="facility", name=f"Lab {owner}",
                    timezone="Asia/Shanghai", capacity=capacity, approval_required=approval,
                    buffer_before_minutes=before, buffer_after_minutes=after,
                    open_to_all=open_to_all,
                    allowed_organisations=[db.session.get(Organisation, self.orgs[o])
                                           for o in allowed])
                db.session.add(resource)
                db.session.commit()
                self.resources.append(resource.id)
        self.rows = None

    # ------------------------------------------------------------------ changes

    @rule(who=people_keys, which=picks, week=weeks, hour=hours, length=lengths,
          quantity=st.integers(1, 3))
    def book(self, who, which, week, hour, length, quantity):
        resource_id = self._pick(self.resources, which)
        self._attempt(who, book, resource_id, local(week, hour),
                      local(week, hour + length), quantity)

    @rule(who=people_keys, which=picks, week=weeks, hour=hours, length=lengths,
          count=st.integers(2, WEEKS), only_free=st.booleans())
    def book_series(self, who, which, week, hour, length, count, only_free):
        resource_id = self._pick(self.resources, which)
        self._attempt(who, book_series, resource_id, local(week, hour),
                      local(week, hour + length), count, only_free)

    @rule(who=people_keys, which=picks)
    def cancel(self, who, which):
        self._attempt(who, cancel, self._pick(self._booking_ids(), which))

    @rule(who=people_keys, which=picks, following=st.sampled_from((None, 0, 1)))
    def cancel_series(self, who, which, following):
        series_id = self._pick(self._series_ids(), which)
        self._attempt(who, cancel_series, series_id, following)

    @rule(who=people_keys, which=picks, approve=st.booleans())
    def decide(self, who, which, approve):
        self._attempt(who, decide, self._pick(self._booking_ids(), which), approve)

    @rule(who=people_keys, which=picks, approve=st.booleans())
    def decide_series(self, who, which, approve):
        self._attempt(who, decide_series, self._pick(self._series_ids(), which),
                      approve)

    @rule(who=people_keys, which=picks, start=st.integers(8, 12), length=st.integers(1, 9))
    def retime_series(self, who, which, start, length):
        self._attempt(who, retime_series, self._pick(self._series_ids(), which),
                      time(start), time(start + length))

    @rule(who=people_keys, which=picks, week=weeks, hour=hours, length=lengths)
    def move(self, who, which, week, hour, length):
        self._attempt(who, move, self._pick(self._booking_ids(), which),
                      local(week, hour), local(week, hour + length))

    @rule(who=people_keys, which=picks, change=st.one_of(
        st.builds(dict, capacity=st.sampled_from((1, 3))),
        st.sampled_from(BUFFERS).map(lambda b: {"buffer_before_minutes": b[0],
                                                "buffer_after_minutes": b[1]}),
        st.builds(dict, approval_required=st.booleans()),
        st.sampled_from(WINDOWS).map(lambda w: {"windows": [
            (d, time.fromisoformat(a), time.fromisoformat(b)) for d, a, b in w]}),
        st.one_of(st.none(), weeks).map(lambda w: {"closures": [] if w is None else [
            (local(w, 12), local(w, 14), "Maintenance")]}),
        st.sampled_from(SHARINGS).map(lambda s: {"open_to_all": s[0], "allowed": s[1]})))
    def change_resource(self, who, which, change):
        if "allowed" in change:
            change["allowed_organisation_ids"] = [self.orgs[o] for o in change.pop("allowed")]
        self._attempt(who, change_resource, self._pick(self.resources, which), change)

    @rule(who=people_keys, organisation=st.sampled_from(ORGANISATIONS), active=st.booleans())
    def suspend_or_readmit(self, who, organisation, active):
        self._attempt(who, set_organisation_active, self.orgs[organisation], active)

    @rule(who=people_keys, which=picks, resource=picks)
    def look(self, who, which, resource):
        """Ask the pages and the API for one booking and one resource, as one person."""
        rows = self._rows()
        person = self.people[who]
        client = self.clients[who]
        if booking_id := self._pick(sorted(rows.bookings), which):
            booking = rows.bookings[booking_id]
            expected = rows.sees_booking(person, booking)
            for url in (f"/bookings/{booking_id}", f"/api/v1/bookings/{booking_id}"):
                self._expect(client, url, person, expected)
        if resource_id := self._pick(sorted(rows.resources), resource):
            expected = rows.finds(person, rows.resources[resource_id])
            for url in (f"/resources/{resource_id}", f"/resources/{resource_id}/calendar",
                        f"/api/v1/resources/{resource_id}"):
                self._expect(client, url, person, expected)

    # ------------------------------------------------------------------ the oracle

    @invariant()
    def every_rule_holds(self):
        """Read every row once, and hold it against each promise of product.md."""
        rows = self._rows()
        for resource in rows.resources.values():
            occupying = [b for b in rows.bookings.values()
                         if b.resource_id == resource.id and b.occupies]
            places_never_run_out(resource, occupying)
            for booking in occupying:
                assert resource.open_at(booking), f"{booking} lies outside {resource}"
                span = booking.occupied[1] - booking.occupied[0]
                assert span <= timedelta(minutes=resource.longest_minutes), (
                    f"booking {booking.id} occupies {span}, the mark of resource "
                    f"{resource.id} says {resource.longest_minutes} minutes")
        self._owners_confirmed_every_confirmed_time(rows)
        # The ledger and the surfaces are plain SQL over the rows (sharing_rows,
        # search_resources, visible_resources, queries.bookings: no process cache, no clock),
        # so the same rows give the same answers: they are asked again only when some row of
        # some table changed since they last held. Most steps are refused or only look (about
        # 3 in 4 change nothing); a refused change that leaves any row behind (an audit row, a
        # session) is a new state and is checked in full.
        state = self._every_row_of_every_table()
        if state == self.checked_state:
            return
        self.the_ledger_equals_the_confirmed_bookings()
        with self.app.app_context():
            for person in {(p.organisation, p.role): p for p in self.people.values()}.values():
                if rows.active(person):  # locked out people are asked in look()
                    every_surface_shows_what_the_rule_says(rows, person)
        self.checked_state = state

    def the_ledger_equals_the_confirmed_bookings(self):
        """The sharing statistics' summary table, against a brute-force sum (issue 13)."""
        with self.app.app_context():
            platform = db.session.get(User, self.people["platform"].id)
            for first, days in ((FIRST_MONDAY - timedelta(days=1), 7 * WEEKS + 2),
                                (FIRST_MONDAY + timedelta(days=1), 7)):
                period = Period(first, first + timedelta(days=days))
                assert ledger_rows(platform, period) == brute_force(period), period
            db.session.rollback()

    def _every_row_of_every_table(self) -> dict[str, list[tuple]]:
        with self.app.app_context():
            connection = db.session.connection()
            state = {table.name: [tuple(row) for row in connection.execute(
                sa.select(table).order_by(*(table.primary_key.columns or table.columns)))]
                for table in db.metadata.sorted_tables}
            db.session.rollback()
        return state

    def _owners_confirmed_every_confirmed_time(self, rows):
        for booking in rows.bookings.values():
            if booking.status != "confirmed":
                continue
            if not rows.resources[booking.resource_id].approval_required:
                self.accepted_times[booking.id] = (booking.start, booking.end)
            assert self.accepted_times.get(booking.id) == (booking.start, booking.end), (
                f"booking {booking.id} is confirmed for {booking.start}–{booking.end} on a "
                f"resource needing approval; its owner accepted "
                f"{self.accepted_times.get(booking.id)}")

    # ------------------------------------------------------------------ helpers

    def _rows(self) -> Rows:
        """Every row as it is now, read once after each change."""
        if self.rows is None:
            with self.app.app_context():
                self.rows = read_rows()
        return self.rows

    def _attempt(self, who, action, *args):
        """Run one change as *who*; a refusal must leave every row as it was."""
        if any(arg is None for arg in args):
            return
        before = self._rows()
        with self.app.test_request_context():
            actor = db.session.get(User, self.people[who].id)
            try:
                action(actor, *args)
            except BookingError:
                refused = True
            else:
                refused = False
        self.rows = None
        after = self._rows()
        if refused:
            assert after == before, f"a refused {action.__name__} changed rows"
            return
        self._note_accepted(who, after)

    def _note_accepted(self, who, rows):
        """The owner's admins confirm whatever time they leave confirmed on their resource."""
        person = self.people[who]
        for booking in rows.bookings.values():
            resource = rows.resources[booking.resource_id]
            if booking.status == "confirmed" and rows.manages(person, resource):
                self.accepted_times[booking.id] = (booking.start, booking.end)

    def _expect(self, client, url, person, visible):
        answer = client.get(url, headers={"Authorization": f"Bearer {person.token}"}
                            if url.startswith("/api/") else {})
        assert answer.status_code < 500, f"{url} as {person.key}: {answer.status_code}"
        assert (answer.status_code == 200) == visible, (
            f"{url} as {person.key} answered {answer.status_code}; the rule says "
            f"{'visible' if visible else 'not visible'}")

    def _booking_ids(self) -> list[int]:
        with self.app.app_context():
            return list(db.session.scalars(sa.select(Booking.id).order_by(Booking.id)))

    def _series_ids(self) -> list[int]:
        with self.app.app_context():
            return list(db.session.scalars(sa.select(BookingSeries.id).order_by(
                BookingSeries.id)))

    @staticmethod
    def _pick(items, which):
        return items[which % len(items)] if items else None


# ---------------------------------------------------------------------- the services, as called

def book(actor, resource_id, start, end, quantity):
    bookings.create_booking(actor, BookingRequest(resource_id, start, end, quantity, "Lesson"))


def book_series(actor, resource_id, start, end, count, only_free):
    first = BookingRequest(resource_id, start, end, 1, "Course")
    series.create_series(actor, SeriesRequest(first, Recurrence(Frequency.WEEKLY, count=count),
                                              skip_conflicts=only_free))


def cancel(actor, booking_id):
    bookings.cancel_booking(actor, booking_id)


def cancel_series(actor, series_id, following):
    dates = db.session.get(BookingSeries, series_id).bookings
    pivot = None if following is None else dates[min(following, len(dates) - 1)].id
    series.cancel_series(actor, series_id, from_booking_id=pivot)


def decide(actor, booking_id, approve):
    if approve:
        bookings.approve_booking(actor, booking_id)
    else:
        bookings.reject_booking(actor, booking_id, "No")


def decide_series(actor, series_id, approve):
    if approve:
        series.approve_series(actor, series_id)
    else:
        series.reject_series(actor, series_id, "No")


def retime_series(actor, series_id, start, end):
    series.update_series(actor, series_id, start_time=start, end_time=end)


def move(actor, booking_id, start, end):
    bookings.move_booking(actor, booking_id, start, end)


def change_resource(actor, resource_id, change):
    resources.update_resource_fields(actor, resource_id, **change)


def set_organisation_active(actor, organisation_id, active):
    organisations.set_organisation_active(actor, organisation_id, active)


def surfaces(user) -> dict[str, set[int]]:
    """What each list shows the person: resources in the catalogue and the timeline, and
    bookings in detail in the API (single objects are asked for in look())."""
    timeline = calendar.visible_resources(user, calendar.TimelineFilters())
    return {
        "catalogue": {r.id for r in resources.search_resources(user)},
        "timeline": set(db.session.scalars(timeline.with_only_columns(Resource.id))),
        "api_bookings": {b.id for b in queries.bookings(user, limit=1000, offset=0)},
    }


def places_never_run_out(resource, occupying) -> None:
    """At no instant do the bookings take more places than there are, buffers included."""
    for booking in occupying:
        assert booking.occupied == resource.widen(booking), (
            f"booking {booking.id} occupies {booking.occupied}, but with the buffers of "
            f"resource {resource.id} it takes {resource.widen(booking)}")
    for moment in sorted({m for b in occupying for m in resource.widen(b)}):
        taken = sum(b.quantity for b in occupying
                    if resource.widen(b)[0] <= moment < resource.widen(b)[1])
        assert taken <= resource.capacity, (
            f"resource {resource.id} has {resource.capacity} places; {taken} are taken at "
            f"{moment}: {occupying}")


def every_surface_shows_what_the_rule_says(rows, person) -> None:
    listed = {r.id for r in rows.resources.values() if rows.lists(person, r)}
    detailed = {b.id for b in rows.bookings.values() if rows.details(person, b)}
    expected = {"catalogue": listed, "timeline": listed, "api_bookings": detailed}
    shown = surfaces(db.session.get(User, person.id))
    for surface, ids in shown.items():
        assert ids == expected[surface], (
            f"{surface} shows {person.key} {sorted(ids)}, the rule says "
            f"{sorted(expected[surface])}")
    db.session.rollback()
