"""The notification outbox: one row per person told about one change (or one reminder).

A row is written by booking.notifications.outbox in the same transaction as the change it
reports, so a refused or rolled-back change leaves none and a committed one is never lost.
The same row is the person's inbox entry (read_at) and their e-mail's delivery state
(mail_state, attempts, next_attempt_at), which booking.notifications.delivery works through.
Nothing is rendered here: the worker renders each mail when it sends it.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db


class Kind(enum.StrEnum):
    """What the person is told; each has its own subject and can be switched off (but one)."""

    REQUEST = "request"      # a request awaits your decision (cannot be switched off)
    APPROVED = "approved"    # your request was approved
    REJECTED = "rejected"    # your request was turned down, with the reason
    CANCELLED = "cancelled"  # a booking was cancelled by the other side
    MOVED = "moved"          # a booking was given another time (or purpose) by the other side
    BOOKED = "booked"        # someone booked your time (a staff resource)
    REMINDER = "reminder"    # your booking starts soon


#: Kinds that need the recipient's decision: their mail cannot be switched off.
DECISION_KINDS = frozenset({Kind.REQUEST})


class MailState(enum.StrEnum):
    QUEUED = "queued"    # waiting for the worker (again, after a failed attempt)
    SENT = "sent"        # handed to the mail server (or to the log without MAIL_URL)
    FAILED = "failed"    # retried for a day without success; shown to platform admins
    SKIPPED = "skipped"  # the person switched this kind of mail off: inbox only


class Itip(enum.StrEnum):
    """The calendar invitation the mail carries (RFC 5546)."""

    NONE = ""
    REQUEST = "request"  # the booking is (still) confirmed: add or update it
    CANCEL = "cancel"    # a confirmed booking ended: remove it


def _enum(cls: type[enum.Enum], length: int) -> sa.Enum:
    return sa.Enum(cls, native_enum=False, length=length, create_constraint=False,
                   values_callable=lambda e: [m.value for m in e])


class Notification(db.Model):
    __table_args__ = (
        # The worker's claim: due rows first, in order.
        sa.Index("ix_notification_due", "mail_state", "next_attempt_at"),
        # The inbox and its unread count.
        sa.Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[Kind] = mapped_column(_enum(Kind, 16))
    action: Mapped[str] = mapped_column(sa.String(32), default="")  # events.Action value
    # No foreign keys on what the row is about (only on its recipient): each would be one
    # more lookup in the booking's transaction, and people, resources and bookings are never
    # deleted (they are deactivated or cancelled), so the ids always resolve.
    actor_id: Mapped[int | None]
    resource_id: Mapped[int]
    booking_id: Mapped[int | None]
    series_id: Mapped[int | None]
    # Every booking the change touched (a series' dates): one row, one mail, for them all.
    booking_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str] = mapped_column(sa.String(limits.DECISION_REASON_LENGTH), default="")
    itip: Mapped[Itip] = mapped_column(_enum(Itip, 8), default=Itip.NONE)
    # The recipient's language when the change happened (None: the site's default).
    language: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[MailState] = mapped_column(_enum(MailState, 8), default=MailState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    # When the worker may take the row next: now, after a back-off, or when a claim lapses.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    # Makes queuing idempotent where the same fact may be found twice (reminders).
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    actor: Mapped["User | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(Notification.actor_id) == User.id", viewonly=True)
    resource: Mapped["Resource"] = relationship(  # noqa: F821
        primaryjoin="foreign(Notification.resource_id) == Resource.id", viewonly=True)
    series: Mapped["BookingSeries | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(Notification.series_id) == BookingSeries.id", viewonly=True)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id} {self.mail_state}>"


class NotificationSetting(db.Model):
    """A person's choices; no row means the defaults (every mail, reminder 24 hours ahead)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    # Kinds whose mail the person switched off (the inbox still shows them).
    muted: Mapped[list] = mapped_column(sa.JSON, default=list)
    # How long before a booking the reminder comes; None: no reminders.
    reminder_minutes: Mapped[int | None] = mapped_column(default=limits.REMINDER_DEFAULT_MINUTES)
