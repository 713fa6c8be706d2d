"""API tokens: issue, recognise, list and revoke the bearer secrets programs sign in with.

The secret is shown once, when it is made; only its SHA-256 is stored (booking.models.tokens),
so a token is found by the hash of what the client sends. Looking up a hash reveals nothing
about the secret's bytes, which is the point of comparing in constant time.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from booking import events
from booking.db_types import utcnow
from booking.events import Action, TokenChanged
from booking.exceptions import InvalidInput, NotFound
from booking.extensions import db
from booking.limits import MAX_ID, TOKEN_NAME_LENGTH
from booking.models import ApiToken, User, hash_secret, new_secret
from booking.prepared import Prepared
from booking.services.locking import begin_write

MAX_SECRET_LENGTH = 200
# Writing last_used_at on every request would turn each read into a write transaction;
# this precision is enough to tell a live token from a forgotten one.
LAST_USED_PRECISION = timedelta(minutes=5)


def create_token(user: User, name: str = "", *, now: datetime | None = None
                 ) -> tuple[ApiToken, str]:
    """Issue a token for *user*; returns the row and the secret, which is never stored."""
    if not isinstance(name, str) or len(name.strip()) > TOKEN_NAME_LENGTH:
        raise InvalidInput({"name": [_l("Use at most %(n)d characters.", n=TOKEN_NAME_LENGTH)]})
    now = now or utcnow()
    secret = new_secret()
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=hash_secret(secret),
                     created_at=now,
                     expires_at=now + timedelta(days=current_app.config["API_TOKEN_DAYS"]))
    db.session.add(token)
    db.session.flush()
    events.publish(TokenChanged(Action.TOKEN_CREATED, user, token))
    db.session.commit()
    return token, secret


def authenticate(secret: str, *, now: datetime | None = None) -> int | None:
    """The id of the active person a live (unexpired, unrevoked) token belongs to, or None.

    The id only: the API reads the person when a view first needs them (booking.api.auth),
    and a booking reads them with the resource it locks (services.locking), once.
    """
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    now = now or utcnow()
    wanted = hash_secret(secret)
    found = _TOKEN.first({"token_hash": wanted})
    if found is None:
        return None
    token_id, token_hash, revoked_at, expires_at, last_used_at, user_id, active = found
    if not hmac.compare_digest(token_hash, wanted):
        return None
    if revoked_at is not None or expires_at <= now or not active:
        return None
    if last_used_at is None or now - last_used_at >= LAST_USED_PRECISION:
        _mark_used(token_id, now)
    return user_id


# The token's columns and whether its person is active, as one plain row: every API request
# runs it, on the driver (booking.prepared).
_TOKEN = Prepared(
    sa.select(ApiToken.id, ApiToken.token_hash, ApiToken.revoked_at, ApiToken.expires_at,
              ApiToken.last_used_at, ApiToken.user_id, User.is_active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash")))


def _mark_used(token_id: int, now: datetime) -> None:
    """Record the use in a write transaction of its own.

    Upgrading the read transaction to a write would fail at once with "database is locked"
    on SQLite whenever another process wrote since the read began; begin_write takes the
    write lock first, and busy_timeout makes it wait its turn instead.
    """
    begin_write()
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                       .values(last_used_at=now))
    db.session.commit()


def list_tokens(user: User, *, now: datetime | None = None) -> list[ApiToken]:
    """The person's tokens that still work, newest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
               ApiToken.expires_at > now)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_all_tokens(user: User, *, now: datetime | None = None) -> None:
    """Stop every token of the person, in the caller's transaction.

    A new password ends them (whoever took the old one may have made some), and so does
    deactivation, for good: reactivating a person brings no old token back.
    """
    db.session.execute(sa.update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(
        revoked_at=now or utcnow()))


def revoke_token(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Stop one of the person's own tokens from working; revoking twice changes nothing."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        # Another person's token is "not found": its existence is none of the caller's business.
        raise NotFound(_l("You have no such token."))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
        events.publish(TokenChanged(Action.TOKEN_REVOKED, user, token))
        db.session.commit()
    return token
