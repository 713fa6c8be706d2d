"""Feed tokens and what each feed shows: scopes, window, grace for cancellations, no N+1."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.exceptions import InvalidInput, NotFound
from booking.extensions import db
from booking.models import Booking, CalendarFeed, Organisation, User
from booking.services import feeds as service
from tests.conftest import utc

NOW = utc(2027, 3, 1, 12)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _set(app, booking_id: int, **values) -> None:
    """Change a booking behind the services' back (an explicit updated_at wins over onupdate)."""
    with app.app_context():
        db.session.execute(sa.update(Booking).where(Booking.id == booking_id).values(**values))
        db.session.commit()


@pytest.fixture
def world(make_org, make_user, make_resource):
    """A school and an enterprise sharing a lab with everyone, and a private room."""
    school, studio, other = (make_org("School"), make_org("Studio", "enterprise"),
                             make_org("Elsewhere"))
    return {
        "school": school, "studio": studio, "other": other,
        "teacher": make_user("teacher@school.org", school),
        "colleague": make_user("colleague@school.org", school),
        "engineer": make_user("engineer@studio.org", studio),
        "outsider": make_user("someone@elsewhere.org", other),
        "lab": make_resource(studio, name="Lab"),
        "private": make_resource(studio, name="Private room", open_to_all=False),
        "school_room": make_resource(school, name="School room"),
    }


@pytest.fixture
def book(world, make_booking):
    """Book a resource for a person, *days* after NOW, for two hours."""
    def _book(who: str, where: str, days: float = 1, **kw) -> int:
        start = NOW + timedelta(days=days)
        return make_booking(world[where], world[who], start, start + timedelta(hours=2), **kw)
    return _book


def _ids(feed: CalendarFeed, now=NOW) -> set[int]:
    return {b.id for b in service.feed_bookings(feed, now=now)}


def test_token_is_random_shown_once_and_only_its_hash_stored(app, world):
    with app.app_context():
        feed, token = service.create_feed(_user(world["teacher"]), "me")
        assert len(token) >= 43  # 256 bits, URL-safe base64
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = db.session.execute(sa.select(CalendarFeed.__table__)).one()
        assert token not in repr(stored)
        _other_feed, other_token = service.create_feed(_user(world["colleague"]), "me")
        assert other_token != token
        assert service.find_feed(token).id == feed.id


@pytest.mark.parametrize("token", [
    "", "short", "x" * 43, "x" * 44, "../../etc/passwd", "a" * 42 + "/", "ü" * 43, None, 42,
])
def test_unknown_and_malformed_tokens_find_nothing(app, world, token):
    with app.app_context():
        service.create_feed(_user(world["teacher"]), "me")
        assert service.find_feed(token) is None


def test_revoked_and_regenerated_tokens_stop_working(app, world):
    with app.app_context():
        teacher = _user(world["teacher"])
        feed, old = service.create_feed(teacher, "me")
        same, new = service.regenerate_feed(teacher, feed.id)
        assert same.id == feed.id and new != old
        assert service.find_feed(old) is None
        assert service.find_feed(new).id == feed.id
        service.revoke_feed(teacher, feed.id)
        assert service.find_feed(new) is None
        assert service.list_feeds(teacher) == []


def test_feeds_of_deactivated_people_or_organisations_stop(app, world):
    with app.app_context():
        feed, token = service.create_feed(_user(world["teacher"]), "me")
        db.session.get(Organisation, world["school"]).is_active = False
        db.session.commit()
        assert service.find_feed(token) is None


def test_someone_elses_feed_cannot_be_touched(app, world):
    with app.app_context():
        feed, token = service.create_feed(_user(world["teacher"]), "me")
        colleague = _user(world["colleague"])
        for action in (service.regenerate_feed, service.revoke_feed):
            with pytest.raises(NotFound):
                action(colleague, feed.id)
        with pytest.raises(NotFound):
            service.revoke_feed(colleague, "1")
        assert service.find_feed(token).id == feed.id


@pytest.mark.parametrize("scope, resource, field", [
    ("everything", None, "scope"),
    ("", None, "scope"),
    (None, None, "scope"),
    ("resource", None, "resource_id"),
    ("resource", "private", "resource_id"),  # not shared with the school
    ("resource", 999_999, "resource_id"),
    ("resource", "12", "resource_id"),
    ("me", "lab", "resource_id"),
])
def test_invalid_feeds_are_refused(app, world, scope, resource, field):
    with app.app_context():
        resource_id = world.get(resource, resource)
        with pytest.raises(InvalidInput) as refused:
            service.create_feed(_user(world["teacher"]), scope, resource_id)
        assert field in refused.value.fields
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0


def test_one_feed_per_calendar(app, world):
    with app.app_context():
        teacher = _user(world["teacher"])
        service.create_feed(teacher, "me")
        service.create_feed(teacher, "resource", world["lab"])
        with pytest.raises(InvalidInput):
            service.create_feed(teacher, "me")
        with pytest.raises(InvalidInput):
            service.create_feed(teacher, "resource", world["lab"])
        service.create_feed(teacher, "organisation")
        assert len(service.list_feeds(teacher)) == 3


def test_scopes(app, world, book):
    mine = book("teacher", "lab", 1)
    colleagues = book("colleague", "lab", 2)
    engineers = book("engineer", "lab", 3)
    on_school_room = book("outsider", "school_room", 4)
    elsewhere = book("outsider", "lab", 5)
    private = book("engineer", "private", 6)
    with app.app_context():
        teacher = _user(world["teacher"])
        me, _t = service.create_feed(teacher, "me")
        org, _t = service.create_feed(teacher, "organisation")
        lab, _t = service.create_feed(teacher, "resource", world["lab"])
        assert _ids(me) == {mine}
        # What the school booked, and what was booked on the school's resources.
        assert _ids(org) == {mine, colleagues, on_school_room}
        assert _ids(lab) == {mine, colleagues, engineers, elsewhere}
        studio_feed, _t = service.create_feed(_user(world["engineer"]), "resource",
                                              world["private"])
        assert _ids(studio_feed) == {private}


def test_resource_feed_goes_empty_when_the_resource_is_no_longer_shared(app, world, book):
    book("engineer", "lab", 1)
    with app.app_context():
        feed, _t = service.create_feed(_user(world["teacher"]), "resource", world["lab"])
        assert len(_ids(feed)) == 1
        feed.resource.open_to_all = False
        db.session.commit()
        assert _ids(feed) == set()


def test_window_is_90_days_back_to_365_ahead(app, world, book):
    ended_long_ago = book("teacher", "lab", -91)
    recent_past = book("teacher", "lab", -89)
    next_year = book("teacher", "lab", 364)
    too_far = book("teacher", "lab", 366)
    with app.app_context():
        feed, _t = service.create_feed(_user(world["teacher"]), "me")
        assert _ids(feed) == {recent_past, next_year}
        assert ended_long_ago not in _ids(feed) and too_far not in _ids(feed)


def test_cancelled_and_rejected_bookings_stay_for_14_days(app, world, book):
    fresh = book("teacher", "lab", 1, status="cancelled")
    stale = book("teacher", "lab", 2, status="cancelled")
    rejected = book("teacher", "lab", 3, status="rejected")
    old_rejected = book("teacher", "lab", 4, status="rejected")
    _set(app, fresh, updated_at=NOW - timedelta(days=13))
    _set(app, stale, updated_at=NOW - timedelta(days=15))
    _set(app, rejected, updated_at=NOW - timedelta(hours=1))
    _set(app, old_rejected, updated_at=NOW - timedelta(days=30))
    with app.app_context():
        feed, _t = service.create_feed(_user(world["teacher"]), "me")
        assert _ids(feed) == {fresh, rejected}


def test_feed_bookings_take_two_queries_whatever_their_number(app, world, book):
    for day in range(30):
        book("teacher", "lab" if day % 2 else "school_room", day + 1)
    with app.app_context():
        feed, _t = service.create_feed(_user(world["teacher"]), "organisation")
        feed.user.organisation  # the feed's own rows are loaded before counting
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            bookings = service.feed_bookings(feed, now=NOW)
            names = {b.resource.name for b in bookings}
            [service.shows_details(feed, b) for b in bookings]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert len(bookings) == 30 and names == {"Lab", "School room"}
        assert len(statements) <= 2, statements


def test_only_people_who_may_see_details_get_a_booking(app, world, book):
    booking_id = book("teacher", "lab", 1)
    with app.app_context():
        for who in ("teacher", "colleague", "engineer"):
            assert service.get_visible_booking(_user(world[who]), booking_id).id == booking_id
        for bad_id in (booking_id, 999_999, 0, -1, "1"):
            with pytest.raises(NotFound):
                service.get_visible_booking(_user(world["outsider"]), bad_id)
