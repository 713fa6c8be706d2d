"""People: identity, password, role and preferences."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db
from booking.models.organisation import Organisation


def hash_password(password: str) -> str:
    """Hash with the configured PASSWORD_HASH_METHOD."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class Role(enum.StrEnum):
    MEMBER = "member"
    ORG_ADMIN = "org_admin"
    PLATFORM_ADMIN = "platform_admin"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased by the services, so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(limits.EMAIL_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(limits.NAME_LENGTH))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.MEMBER)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Bumped when every session ends at once (sign out everywhere, password change,
    # deactivation): each session key names the version it was made under.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped["Organisation"] = relationship(back_populates="members")  # noqa: F821

    @hybrid_property
    def is_active(self) -> bool:
        """The account is on and the organisation is not suspended."""
        return self.is_active_account and self.organisation.is_active

    @is_active.inplace.expression
    @classmethod
    def _is_active_sql(cls) -> sa.ColumnElement[bool]:
        organisation_active = (sa.select(Organisation.is_active)
                               .where(Organisation.id == cls.organisation_id)
                               .scalar_subquery())
        return sa.and_(cls.is_active_account, organisation_active)

    @property
    def is_platform_admin(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    @property
    def is_org_admin(self) -> bool:
        return self.role in (Role.ORG_ADMIN, Role.PLATFORM_ADMIN)

    #: The key of the browser session this object was signed in or loaded with; never
    #: stored (booking.services.sessions keeps only its hash).
    login_key = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookies: the session's key."""
        if self.login_key is None:
            raise RuntimeError("sign in through booking.services.sessions.start_session")
        return self.login_key

    # UserMixin compares get_id(), which is now per browser session: the same person loaded
    # for two sessions, or outside any, is still the same person.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = UserMixin.__hash__

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"
