"""The inbox: what happened to me (the person's notification rows) and what waits for me."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from booking import limits
from booking.db_types import utcnow
from booking.extensions import db
from booking.models import (DECISION_KINDS, Booking, Kind, MailState, Notification,
                            NotificationSetting, User)
from booking.notifications import mail
from booking.prepared import Prepared


@dataclass
class Entry:
    note: Notification
    bookings: list[Booking]


def entries(user: User, *, limit: int = limits.INBOX_PAGE_SIZE) -> list[Entry]:
    """The person's newest notifications, with the bookings each is about."""
    notes = list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .options(joinedload(Notification.resource), joinedload(Notification.actor))
        .order_by(Notification.id.desc()).limit(limit)))
    ids = {i for n in notes for i in (n.booking_ids or ())}
    found = {b.id: b for b in db.session.scalars(sa.select(Booking).where(Booking.id.in_(ids))
                                                 .options(joinedload(Booking.resource)))}
    return [Entry(n, sorted((found[i] for i in (n.booking_ids or ()) if i in found),
                            key=lambda b: b.start_at)) for n in notes]


def unread_count(user: User) -> int:
    return _UNREAD_COUNT.scalar({"user_id": user.id}) or 0


def unread_count_of(user_id: sa.ColumnElement) -> sa.Select:
    """The statement counting a person's unread notifications (the menu's number), for a
    page that reads it together with something else (services.calendar.find_resource_head)."""
    return sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))


# The menu's count on every page: prepared once per process (booking.prepared).
_UNREAD_COUNT = Prepared(unread_count_of(sa.bindparam("user_id")))


def mark_read(user: User, note_id: int | None = None) -> int:
    """Mark one of the person's notifications (or all of them) read; how many changed."""
    stmt = sa.update(Notification).where(Notification.user_id == user.id,
                                         Notification.read_at.is_(None))
    if note_id is not None:
        stmt = stmt.where(Notification.id == note_id)
    result = db.session.execute(stmt.values(read_at=utcnow())
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0


def failed_mail(limit: int = 20) -> tuple[int, list[Notification]]:
    """Mail given up on after a day of retries: for platform admins."""
    where = Notification.mail_state == MailState.FAILED
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                              .where(where)) or 0
    rows = list(db.session.scalars(sa.select(Notification).where(where)
                                   .options(joinedload(Notification.user))
                                   .order_by(Notification.id.desc()).limit(limit)))
    return total, rows


# ---------------------------------------------------------------------------- preferences

MUTABLE_KINDS = tuple(k for k in Kind if k not in DECISION_KINDS)


def setting_of(user: User) -> NotificationSetting:
    """The person's choices (the defaults, unsaved, when they never chose)."""
    return db.session.get(NotificationSetting, user.id) or NotificationSetting(
        user_id=user.id, muted=[], reminder_minutes=limits.REMINDER_DEFAULT_MINUTES)


def save_setting(user: User, *, mailed: set[str], reminder_minutes: int | None) -> None:
    """Keep which kinds of mail the person wants and when their reminder comes."""
    if reminder_minutes not in limits.REMINDER_CHOICES:
        raise ValueError(reminder_minutes)
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.muted = sorted(k.value for k in MUTABLE_KINDS if k.value not in mailed)
    setting.reminder_minutes = reminder_minutes
    db.session.commit()


def describe(note: Notification, bookings: list[Booking]):
    """The inbox line of a notification: the mail's wording, in the page's language."""
    return mail.content(note, bookings, calendars=False)
