"""The worker: queue due reminders, claim due mail, send it, retry with back-off.

Claiming commits before anything is sent: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets any
number of workers on any number of machines take disjoint rows, and each claimed row's
next_attempt_at moves a few minutes ahead, so no other worker takes it while it is sent. A
worker that dies mid-send leaves its rows to be taken again when the claim lapses. On SQLite
run one worker (its write lock serialises claims anyway).

A failed send is tried again after 30 s, then twice as long each time (at most an hour); a
row still failing a day after it was queued is marked failed, which platform admins see in
their inbox. A person who switched the kind of mail off gets it in the inbox only (skipped).
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from booking import limits
from booking.db_types import utcnow
from booking.extensions import SQLITE_BEGIN_OPTION, db
from booking.models import (DECISION_KINDS, Booking, BookingStatus, Kind, MailState,
                            Notification, NotificationSetting, User)
from booking.notifications import mail
from booking.notifications.transport import Transport, transport_for

log = logging.getLogger("booking.mail")

#: Errors that mean "the mail server is not reachable or refused": retry later.
SEND_ERRORS = (smtplib.SMTPException, OSError)


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    reminders: int = 0

    def __iadd__(self, other: Report) -> Report:
        for name in ("sent", "retried", "failed", "skipped", "reminders"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    seconds = limits.MAIL_RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, limits.MAIL_RETRY_MAX_SECONDS))


def _begin_write() -> None:
    session = db.session()
    if session.in_transaction():
        session.commit()
    options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"} if db.engine.dialect.name == "sqlite" else {}
    session.connection(execution_options=options)


def claim(now: datetime, batch: int = limits.MAIL_BATCH) -> list[int]:
    """Take up to *batch* due rows for this worker alone, and commit the claim."""
    is_due = sa.and_(Notification.mail_state == MailState.QUEUED,
                     Notification.next_attempt_at <= now)
    # A plain read first: an idle worker takes no write lock (SQLite has only one).
    if db.session.scalar(sa.select(Notification.id).where(is_due).limit(1)) is None:
        db.session.commit()
        return []
    _begin_write()
    due = (sa.select(Notification.id).where(is_due)
           .order_by(Notification.next_attempt_at, Notification.id)
           .limit(batch).with_for_update(skip_locked=True))
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(ids))
            .values(next_attempt_at=now + timedelta(seconds=limits.MAIL_CLAIM_SECONDS),
                    attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False))
    db.session.commit()
    return ids


def deliver(ids: list[int], transport: Transport, now: datetime) -> Report:
    """Send each claimed row once; a row that cannot be sent waits for its next attempt.

    The rows, their people, settings and bookings are read with a few queries per batch, and
    the outcome is committed once per batch (a worker killed mid-batch may send that batch's
    mails again when its claim lapses: at least once, never lost).
    """
    report = Report()
    notes = list(db.session.scalars(
        sa.select(Notification).where(Notification.id.in_(ids),
                                      Notification.mail_state == MailState.QUEUED)
        .options(joinedload(Notification.user), joinedload(Notification.actor),
                 joinedload(Notification.resource))
        .order_by(Notification.id)))
    muted = {s.user_id: set(s.muted or ()) for s in db.session.scalars(
        sa.select(NotificationSetting).where(
            NotificationSetting.user_id.in_({n.user_id for n in notes})))}
    found = mail.bookings_by_id({i for n in notes for i in mail.booking_ids_of(n)})
    unreachable: Exception | None = None
    for note in notes:
        if note.kind not in DECISION_KINDS and note.kind.value in muted.get(note.user_id, ()):
            note.mail_state = MailState.SKIPPED
            report.skipped += 1
        elif not note.user.is_active_account:
            note.mail_state = MailState.SKIPPED
            report.skipped += 1
        elif unreachable is not None:
            _failed(note, unreachable, now, report)  # the server is down: no use trying
        else:
            try:
                message = mail.render(note, [found[i] for i in mail.booking_ids_of(note)
                                             if i in found])
                transport.send(message)
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, try again later
                if not isinstance(exc, SEND_ERRORS):
                    log.exception("Mail %s could not be made", note.id)
                elif isinstance(exc, (OSError, smtplib.SMTPServerDisconnected,
                                      smtplib.SMTPConnectError)):
                    unreachable = exc
                _failed(note, exc, now, report)
                transport.close()
            else:
                note.mail_state, note.sent_at, note.last_error = MailState.SENT, utcnow(), ""
                report.sent += 1
    db.session.commit()
    return report


def _failed(note: Notification, exc: Exception, now: datetime, report: Report) -> None:
    note.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if now - note.created_at >= timedelta(seconds=limits.MAIL_GIVE_UP_AFTER_SECONDS):
        note.mail_state = MailState.FAILED
        report.failed += 1
        log.error("Mail %s to user %s failed for a day; giving up: %s", note.id, note.user_id,
                  note.last_error)
    else:
        note.next_attempt_at = now + retry_delay(note.attempts)
        report.retried += 1
        log.warning("Mail %s to user %s not sent (attempt %d), retrying at %s: %s", note.id,
                    note.user_id, note.attempts, note.next_attempt_at, note.last_error)


def queue_reminders(now: datetime) -> int:
    """Queue a reminder for every confirmed booking starting within its booker's choice.

    Idempotent: each reminder's dedupe_key (booking and start time) is unique, so a reminder
    found twice (by two workers, or by the next round) is inserted once; a booking moved to a
    new time gets a reminder for it.
    """
    longest = max(m for m in limits.REMINDER_CHOICES if m is not None)
    setting = NotificationSetting
    rows = db.session.execute(
        sa.select(Booking.id, Booking.user_id, Booking.resource_id, Booking.series_id,
                  Booking.start_at, setting.user_id.label("chosen"),
                  setting.reminder_minutes, User.locale)
        .join(User, User.id == Booking.user_id)
        .outerjoin(setting, setting.user_id == Booking.user_id)
        .where(Booking.status == BookingStatus.CONFIRMED, Booking.start_at > now,
               Booking.start_at <= now + timedelta(minutes=longest),
               User.is_active_account)).all()
    values = []
    for row in rows:
        minutes = (limits.REMINDER_DEFAULT_MINUTES if row.chosen is None
                   else row.reminder_minutes)
        if minutes is None or row.start_at - now > timedelta(minutes=minutes):
            continue
        values.append({
            "user_id": row.user_id, "language": row.locale, "kind": Kind.REMINDER.value,
            "action": "", "actor_id": None, "resource_id": row.resource_id,
            "booking_id": row.id, "series_id": row.series_id, "booking_ids": [row.id],
            "reason": "", "itip": "", "created_at": now, "next_attempt_at": now,
            "mail_state": MailState.QUEUED.value, "attempts": 0, "last_error": "",
            "dedupe_key": f"reminder:{row.id}:{row.start_at:%Y%m%dT%H%M%S}"})
    if not values:
        db.session.commit()
        return 0
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = Notification.__table__
    queued = db.session.execute(
        insert(table).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)).all()
    db.session.commit()
    return len(queued)


def run_once(*, now: Callable[[], datetime] = utcnow, batch: int = limits.MAIL_BATCH) -> Report:
    """Queue due reminders, then deliver everything due now; return what happened."""
    report = Report()
    report.reminders = queue_reminders(now())
    with transport_for(current_app.config.get("MAIL_URL")) as transport:
        while ids := claim(now(), batch):
            report += deliver(ids, transport, now())
    db.session.remove()
    return report


def run_forever(stop: threading.Event, *, interval: float = 5.0) -> None:
    """Deliver until *stop* is set, waking every *interval* seconds; errors are logged."""
    while not stop.is_set():
        try:
            report = run_once()
            if report.sent or report.retried or report.failed:
                log.info("Mail: %d sent, %d to retry, %d failed, %d switched off",
                         report.sent, report.retried, report.failed, report.skipped)
        except Exception:  # noqa: BLE001 - a worker must outlive one bad round
            log.exception("Mail delivery round failed")
            db.session.remove()
        stop.wait(interval)
