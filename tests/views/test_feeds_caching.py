"""Conditional feed requests as days pass: ETag and Last-Modified see every change, never stale."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, Resource, User
from booking.services import feeds as feed_service
from booking.services import resources as resource_service


class Clock:
    """The feed's idea of now, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    clock = Clock(start)
    monkeypatch.setattr("booking.views.feeds.utcnow", clock)
    return clock


@pytest.fixture
def world(make_org, make_user, make_resource):
    studio, school = make_org("Studio", "enterprise"), make_org("School")
    return {"teacher": make_user("teacher@school.org", school),
            "admin": make_user("admin@studio.org", studio, role="org_admin"),
            "lab": make_resource(studio, name="Lab", location="Building 2",
                                 timezone="Europe/Berlin"),
            "studio": make_resource(studio, name="Studio", timezone="Asia/Shanghai")}


def feed_url(app, user_id: int) -> str:
    with app.app_context():
        _feed, token = feed_service.create_feed(db.session.get(User, user_id), "me")
    return f"/feeds/{token}.ics"


def set_booking(app, booking_id: int, **values) -> None:
    """Change a booking row directly (an explicit updated_at wins over onupdate)."""
    with app.app_context():
        db.session.execute(sa.update(Booking).where(Booking.id == booking_id).values(**values))
        db.session.commit()


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def first_fetch(app, client, teacher: int, bookings, changed_at: datetime, shown: int):
    """The bookings last changed at *changed_at*; the feed's URL and first answer."""
    for booking_id in bookings:
        set_booking(app, booking_id, updated_at=changed_at)
    url = feed_url(app, teacher)
    before = client.get(url)
    assert len(uids(before.data)) == shown
    return url, before


def assert_stale_validators_get_the_new_feed(client, url: str, before) -> None:
    """Conditional requests first: they must not be answered from what the app remembers."""
    answers = [client.get(url, headers=headers) for headers in (
        {"If-None-Match": before.headers["ETag"]},
        {"If-Modified-Since": before.headers["Last-Modified"]})]
    after = client.get(url)
    assert after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.last_modified > before.last_modified
    for answer in answers:
        assert (answer.status_code, answer.data) == (200, after.data)


def test_bookings_swapping_places_in_the_window_change_the_validators(app, client, world, clock,
                                                                       make_booking):
    """Two bookings leave and two enter with the same count and sums of ids and sequences,
    and the same newest updated_at: a fingerprint of sums took the new feed for the old."""
    now, lab, teacher = clock.now, world["lab"], world["teacher"]
    hour = timedelta(hours=1)
    leaving_first = make_booking(lab, teacher, now - timedelta(days=91), now - timedelta(days=89))
    entering = [make_booking(room, teacher, now + timedelta(days=365, hours=h),
                             now + timedelta(days=365, hours=h) + hour)
                for room, h in ((lab, 6), (world["studio"], 12))]
    leaving_last = make_booking(world["studio"], teacher, now - timedelta(days=91, hours=2),
                                now - timedelta(days=89, hours=12))
    assert leaving_first + leaving_last == sum(entering)
    url, before = first_fetch(app, client, teacher, (leaving_first, *entering, leaving_last),
                              now - timedelta(days=200), shown=2)
    clock.now = now + timedelta(days=1)
    assert_stale_validators_get_the_new_feed(client, url, before)


def test_a_booking_entering_the_window_as_days_pass_moves_last_modified(app, client, world,
                                                                        clock, make_booking):
    now, lab, teacher = clock.now, world["lab"], world["teacher"]
    near = make_booking(lab, teacher, now + timedelta(days=3), now + timedelta(days=3, hours=1))
    far = make_booking(lab, teacher, now + timedelta(days=365, hours=5),
                       now + timedelta(days=365, hours=6))
    url, before = first_fetch(app, client, teacher, (near, far), now - timedelta(days=100),
                              shown=1)
    clock.now = now + timedelta(hours=6)
    assert_stale_validators_get_the_new_feed(client, url, before)
    # Last-Modified says when it entered: its start came within 365 days.
    assert client.get(url).last_modified == now + timedelta(hours=5)


def test_last_modified_moves_forward_when_the_newest_booking_leaves(app, client, world, clock,
                                                                    make_booking):
    now, lab, teacher = clock.now, world["lab"], world["teacher"]
    make_booking(lab, teacher, now + timedelta(days=3), now + timedelta(days=3, hours=1))
    ending = make_booking(lab, teacher, now - timedelta(days=89, hours=2),
                          now - timedelta(days=89, hours=1))
    set_booking(app, ending, updated_at=now - timedelta(hours=2))  # the newest change
    url = feed_url(app, teacher)
    before = client.get(url)
    clock.now = now + timedelta(days=2)
    assert_stale_validators_get_the_new_feed(client, url, before)


def test_renaming_a_resource_moves_its_events_and_the_feed(app, client, world, clock,
                                                           make_booking):
    now, teacher = clock.now, world["teacher"]
    in_lab = make_booking(world["lab"], teacher, now + timedelta(days=2),
                          now + timedelta(days=2, hours=1))
    in_studio = make_booking(world["studio"], teacher, now + timedelta(days=3),
                             now + timedelta(days=3, hours=1))
    for booking_id in (in_lab, in_studio):
        set_booking(app, booking_id, updated_at=now - timedelta(days=3))
    url = feed_url(app, teacher)
    before = client.get(url)
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        resource_service.update_resource_fields(admin, world["lab"], name="Lab 3",
                                                location="Building 5")
        renamed_at = db.session.get(Resource, world["lab"]).calendar_changed_at
        lab_uid, studio_uid = (db.session.get(Booking, b).uid for b in (in_lab, in_studio))
    clock.now = now + timedelta(minutes=1)
    assert_stale_validators_get_the_new_feed(client, url, before)
    events = {str(e["UID"]).split("@")[0]: e for e in
              icalendar.Calendar.from_ical(client.get(url).data).walk("VEVENT")}
    old = {str(e["UID"]).split("@")[0]: e for e in
           icalendar.Calendar.from_ical(before.data).walk("VEVENT")}
    lab, studio = events[f"booking-{lab_uid}"], events[f"booking-{studio_uid}"]
    assert str(lab["LOCATION"]) == "Lab 3, Building 5"
    for name in ("DTSTAMP", "LAST-MODIFIED"):
        assert lab[name].dt == renamed_at.replace(microsecond=0) > old[f"booking-{lab_uid}"][
            name].dt
        assert studio[name].dt == old[f"booking-{studio_uid}"][name].dt


def test_random_days_of_changes_keep_both_validators_right(app, client, world, clock,
                                                           make_booking):
    """A brute-force oracle, the body itself: whenever it changes, both validators change and
    stale ones get it; whenever it does not, they stay and get a 304. Never backwards."""
    rng = random.Random(11)
    teacher, rooms = world["teacher"], [world["lab"], world["studio"]]
    url, bookings, previous, seen = feed_url(app, teacher), [], None, []
    for step in range(40):
        # HTTP dates count seconds: a second passes at least between two changes.
        clock.now += timedelta(seconds=rng.choice([1, 3600, 3600 * 20, 86400 * 9, 86400 * 40]))
        action = rng.choice(["book", "book_far", "cancel", "rename", "nothing"])
        if action in ("book", "book_far"):
            start = clock.now + timedelta(days=rng.uniform(-100, 30) if action == "book"
                                          else rng.uniform(360, 372))
            start = start.replace(minute=0, second=0, microsecond=0) + timedelta(
                minutes=10 * step)  # steps never overlap: PostgreSQL refuses double bookings
            new = make_booking(rng.choice(rooms), teacher, start, start + timedelta(minutes=5))
            set_booking(app, new, updated_at=clock.now - timedelta(days=rng.uniform(0, 50)))
            bookings.append(new)
        elif action == "cancel" and bookings:
            set_booking(app, rng.choice(bookings), status="cancelled", updated_at=clock.now,
                        sequence=Booking.sequence + 1)
        elif action == "rename":
            with app.app_context():
                db.session.get(Resource, rng.choice(rooms)).location = f"Floor {step}"
                db.session.commit()
        current = client.get(url)
        if previous is not None:
            changed = current.data != previous.data
            seen.append(changed)
            assert (current.headers["ETag"] != previous.headers["ETag"]) == changed, step
            assert current.last_modified >= previous.last_modified, step
            assert (current.last_modified > previous.last_modified) == changed, step
            for headers in ({"If-None-Match": previous.headers["ETag"]},
                            {"If-Modified-Since": previous.headers["Last-Modified"]}):
                again = client.get(url, headers=headers)
                assert again.status_code == (200 if changed else 304), (step, headers)
        previous = current
    assert seen.count(True) >= 10 and seen.count(False) >= 5  # both kinds of step were tried
