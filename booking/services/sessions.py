"""Signed-in browsers, recorded on the server so that signing out really ends them.

A browser's cookies (Flask's session cookie and Flask-Login's remember cookie) carry a key
"<person>.<session version>.<secret>"; the server keeps one row per key with the secret's
SHA-256. Signing out deletes the row, so a copied cookie stops working at once, on every
server, while the person's other browsers stay signed in. Ending every session bumps the
person's session version too, which also refuses any key being made at that moment.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from booking.db_types import utcnow
from booking.extensions import db
from booking.limits import MAX_ID
from booking.models import LoginSession, User, hash_secret, new_secret

_KEY = re.compile(r"([0-9]{1,10})\.([0-9]{1,10})\.([A-Za-z0-9_-]{43})")
# Flask-Login's default, used when REMEMBER_COOKIE_DURATION is not configured.
_REMEMBER_DEFAULT = timedelta(days=365)


def start_session(user: User, *, now: datetime | None = None) -> str:
    """Record a newly signed-in browser; returns the key its cookies will carry."""
    now = now or utcnow()
    secret = new_secret()
    # The person's sessions older than any cookie can live are gone from every browser.
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.created_at < now - session_lifetime()))
    db.session.add(LoginSession(user_id=user.id, key_hash=hash_secret(secret), created_at=now))
    db.session.commit()
    user.login_key = f"{user.id}.{user.session_version}.{secret}"
    return user.login_key


def find_session_user(key: str, *, now: datetime | None = None) -> User | None:
    """The active person whose live session *key* names, or None."""
    parts = _parse(key)
    if parts is None:
        return None
    user_id, version, secret = parts
    wanted = hash_secret(secret)
    row = db.session.execute(_session_by_hash(), {"key_hash": wanted}).first()
    if row is None or not hmac.compare_digest(row.key_hash, wanted):
        return None
    user = row.User
    if (row.user_id != user_id or user.session_version != version or not user.is_active
            or row.created_at < (now or utcnow()) - session_lifetime()):
        return None
    user.login_key = key
    return user


@cache
def _session_by_hash() -> sa.Select:
    """The login session's columns with its person and their organisation, built once per
    process: on every signed-in request, building the joined statement and its cache key
    cost more than running it, and loading the session row as an object (with two levels of
    joined loading) a fifth of it (bench/speed.md)."""
    return (sa.select(User, LoginSession.user_id, LoginSession.key_hash,
                      LoginSession.created_at)
            .join(LoginSession, LoginSession.user_id == User.id)
            .join(User.organisation).options(contains_eager(User.organisation))
            .where(LoginSession.key_hash == sa.bindparam("key_hash")))


def end_session(key: str | None) -> None:
    """Sign one browser out: its key stops working, wherever a copy of it is."""
    parts = _parse(key) if key else None
    if parts is None:
        return
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.key_hash == hash_secret(parts[2]), LoginSession.user_id == parts[0]))
    db.session.commit()


def end_all_sessions(user: User, *, commit: bool = True) -> None:
    """Sign the person out of every browser ("sign out everywhere")."""
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    user.session_version += 1
    if commit:
        db.session.commit()


def session_lifetime() -> timedelta:
    """How long the longest-lived cookie (session or remember-me) can carry a key."""
    remember = current_app.config.get("REMEMBER_COOKIE_DURATION", _REMEMBER_DEFAULT)
    if not isinstance(remember, timedelta):
        remember = timedelta(seconds=int(remember))
    return max(current_app.permanent_session_lifetime, remember)


def _parse(key: str) -> tuple[int, int, str] | None:
    found = _KEY.fullmatch(key) if isinstance(key, str) else None
    # Both numbers are INTEGER columns (the person's id, the session version), as ids are.
    if found is None or int(found[1]) > MAX_ID or int(found[2]) > MAX_ID:
        return None
    return int(found[1]), int(found[2]), found[3]
