"""Browser sessions recorded on the server: keys, ending one, ending all, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.db_types import utcnow
from booking.extensions import db
from booking.models import LoginSession, User
from booking.services import sessions


def _rows(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == user_id))


def test_only_the_hash_of_the_secret_is_stored(app, make_user):
    teacher = make_user()
    with app.app_context():
        key = sessions.start_session(db.session.get(User, teacher))
        secret = key.rsplit(".", 1)[1]
        stored = db.session.scalars(sa.select(LoginSession.key_hash)).all()
        assert len(secret) >= 43 and secret not in stored and len(stored) == 1
        assert sessions.find_session_user(key).id == teacher


def test_ending_one_session_leaves_the_others(app, make_user):
    teacher = make_user()
    with app.app_context():
        user = db.session.get(User, teacher)
        laptop, phone = sessions.start_session(user), sessions.start_session(user)
        sessions.end_session(laptop)
        assert sessions.find_session_user(laptop) is None
        assert sessions.find_session_user(phone).id == teacher
        sessions.end_all_sessions(user)
        assert sessions.find_session_user(phone) is None and _rows(teacher) == 0


def _as_other_person(key: str, other: int) -> str:
    return f"{other}.{key.split('.', 1)[1]}"


@pytest.mark.parametrize("mangle", [
    _as_other_person,
    lambda key, other: ".".join([*key.split(".")[:1], "99", key.split(".")[2]]),  # version
    lambda key, other: key[:-1] + ("A" if key[-1] != "A" else "B"),  # the secret
    lambda key, other: key.split(".", 1)[1],  # no person
    lambda key, other: "²." + key.split(".", 1)[1],  # not an ASCII digit
    lambda key, other: "", lambda key, other: "x" * 5000,
])
def test_a_changed_or_malformed_key_names_nobody(app, make_user, mangle):
    teacher, other = make_user(), make_user()
    with app.app_context():
        key = sessions.start_session(db.session.get(User, teacher))
        assert sessions.find_session_user(mangle(key, other)) is None
        assert sessions.find_session_user(key).id == teacher


def test_only_the_persons_own_key_ends_their_session(app, make_user):
    teacher, other = make_user(), make_user()
    with app.app_context():
        key = sessions.start_session(db.session.get(User, teacher))
        for wrong in (_as_other_person(key, other), "", "x" * 5000, key[:-1]):
            sessions.end_session(wrong)
        assert sessions.find_session_user(key).id == teacher


def test_sessions_expire_with_the_longest_cookie_and_are_pruned(app, make_user):
    teacher = make_user()
    with app.app_context():
        user = db.session.get(User, teacher)
        lifetime = sessions.session_lifetime()
        assert lifetime >= timedelta(days=31)
        old = sessions.start_session(user, now=utcnow() - lifetime - timedelta(minutes=1))
        assert sessions.find_session_user(old) is None
        sessions.start_session(user)
        assert _rows(teacher) == 1  # the old row went when the new one came


def test_a_deactivated_person_has_no_session(app, make_user):
    teacher = make_user()
    with app.app_context():
        user = db.session.get(User, teacher)
        key = sessions.start_session(user)
        user.is_active_account = False
        db.session.commit()
        assert sessions.find_session_user(key) is None


def test_people_compare_by_who_they_are_not_by_session(app, make_user):
    teacher, other = make_user(), make_user()
    with app.app_context():
        user = db.session.get(User, teacher)
        key = sessions.start_session(user)
        db.session.expunge_all()
        loaded = sessions.find_session_user(key)
        fresh = User(id=teacher)  # outside any session: no key at all
        assert loaded == fresh and not (loaded != fresh)
        assert loaded != db.session.get(User, other)
        assert {loaded, fresh}  # hashable, as Flask-Login's users are
