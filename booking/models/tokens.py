"""Secrets that stand in for a login: API tokens, calendar feed tokens, browser sessions.

Only a SHA-256 hash of each secret is stored, so a leaked database reveals no usable URL
or token; the secrets are long random strings, so a fast hash is enough.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(limits.TOKEN_NAME_LENGTH), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821


class FeedScope(enum.StrEnum):
    ME = "me"
    ORGANISATION = "organisation"
    RESOURCE = "resource"


class CalendarFeed(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    scope: Mapped[FeedScope] = mapped_column(
        sa.Enum(FeedScope, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]))
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resource.id"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The feed's Last-Modified, and a fingerprint of the content it was last served with: the
    # time moves (never back) when a request finds the fingerprint changed (services.feeds).
    content_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the fingerprint was computed from (a hash of the feed's settings and the versions
    # of its resources, services.feed_state) and until when the window alone cannot change it.
    version_key: Mapped[str | None] = mapped_column(sa.String(64))
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821
    resource: Mapped["Resource | None"] = relationship()  # noqa: F821


class LoginSession(db.Model):
    """One signed-in browser. Its cookies carry the secret; signing out deletes the row."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821
