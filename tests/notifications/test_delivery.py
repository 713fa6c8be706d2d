"""The worker: nothing lost while the mail server is down, nothing sent twice, reminders found
once, back-off and giving up, several workers on PostgreSQL, and the CLI."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking import limits
from booking.db_types import utcnow
from booking.extensions import db
from booking.models import MailState, Notification, NotificationSetting
from booking.notifications import delivery
from booking.services import bookings
from booking.services.bookings import BookingRequest
from tests.notifications.conftest import deliver, free_port, person, soon


def _request_and_decide(app, world, count: int) -> None:
    """*count* requests, every other one approved and the rest rejected: 2×count mails."""
    with app.app_context():
        for index in range(count):
            start = soon(7 + index)
            booking = bookings.create_booking(person(world.teacher), BookingRequest(
                world.studio, start, start + timedelta(hours=1), title=f"Capture {index}"))
            if index % 2:
                bookings.approve_booking(person(world.admin), booking.id)
            else:
                bookings.reject_booking(person(world.admin), booking.id, "Full")


def states() -> Counter:
    return Counter(db.session.scalars(sa.select(Notification.mail_state)))


def test_smtp_down_then_up_delivers_each_message_exactly_once(mail_app, world, smtp_server):
    smtp_server.stop()
    _request_and_decide(mail_app, world, 4)
    with mail_app.app_context():
        now = utcnow()
        report = deliver(now)
        assert report.sent == 0 and report.retried == 8
        assert states() == {MailState.QUEUED: 8}
        # The first retry comes within a minute; before it, nothing is tried again.
        assert deliver(now + timedelta(seconds=10)).retried == 0
        smtp_server.start()
        report = deliver(now + timedelta(seconds=limits.MAIL_RETRY_FIRST_SECONDS + 1))
        assert report.sent == 8
        assert deliver(now + timedelta(hours=2)).sent == 0
        assert states() == {MailState.SENT: 8}
    ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(ids) == 8 and set(ids.values()) == {1}


def test_retries_back_off_and_give_up_after_a_day(mail_app, world, smtp_server):
    assert delivery.retry_delay(1) < timedelta(minutes=1)
    assert [delivery.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert delivery.retry_delay(50) == timedelta(seconds=limits.MAIL_RETRY_MAX_SECONDS)
    smtp_server.stop()
    _request_and_decide(mail_app, world, 1)
    with mail_app.app_context():
        start = utcnow()
        moment = start
        for _ in range(60):
            note = db.session.scalar(sa.select(Notification))
            if note.mail_state is not MailState.QUEUED:
                break
            moment = max(moment, note.next_attempt_at)
            deliver(moment)
            db.session.expire_all()
        note = db.session.scalar(sa.select(Notification))
        assert note.mail_state is MailState.FAILED
        assert moment - start >= timedelta(days=1)
        assert "ConnectionRefusedError" in note.last_error
        assert note.attempts < 40


def test_failed_mail_is_shown_to_the_platform_admin(mail_app, world, client, auth, make_user):
    boss = make_user("boss@platform.example", world.owner_org, role="platform_admin")
    _request_and_decide(mail_app, world, 1)
    with mail_app.app_context():
        note = db.session.scalar(sa.select(Notification))
        note.mail_state, note.last_error = MailState.FAILED, "SMTPRecipientsRefused: no"
        db.session.commit()
    auth.login("boss@platform.example")
    page = client.get("/inbox").get_data(as_text=True)
    assert "1 mail could not be delivered" in page and "SMTPRecipientsRefused" in page
    auth.logout()
    auth.login("teacher@school.example")
    assert "could not be delivered" not in client.get("/inbox").get_data(as_text=True)
    assert boss


def test_a_switched_off_kind_stays_in_the_inbox_only(mail_app, world, smtp_server):
    with mail_app.app_context():
        db.session.add(NotificationSetting(user_id=world.teacher, muted=["rejected"],
                                           reminder_minutes=None))
        db.session.commit()
    _request_and_decide(mail_app, world, 1)  # rejected
    with mail_app.app_context():
        report = deliver()
        assert report.skipped == 1 and report.sent == 1  # the admin's request still goes
    assert smtp_server.to("teacher@school.example") == []


def test_requests_cannot_be_switched_off(mail_app, world, smtp_server):
    with mail_app.app_context():
        db.session.add(NotificationSetting(user_id=world.admin, muted=["request"]))
        db.session.commit()
    _request_and_decide(mail_app, world, 1)
    with mail_app.app_context():
        deliver()
    assert len(smtp_server.to("admin@enterprise.example")) == 1


# ---------------------------------------------------------------------------- reminders

def _book_lab(app, world, start):
    with app.app_context():
        return bookings.create_booking(person(world.teacher), BookingRequest(
            world.lab, start, start + timedelta(hours=1), title="Editing")).id


def test_a_reminder_comes_once_a_day_ahead_by_default(mail_app, world, smtp_server):
    start = soon(3)
    _book_lab(mail_app, world, start)
    with mail_app.app_context():
        assert deliver(start - timedelta(hours=30)).reminders == 0
        report = deliver(start - timedelta(hours=23))
        assert report.reminders == 1 and report.sent == 1
        assert deliver(start - timedelta(hours=22)).reminders == 0  # found again: not queued
        assert deliver(start - timedelta(hours=1)).reminders == 0
    [message] = smtp_server.to("teacher@school.example")
    assert message["Subject"].startswith("Reminder: Post-production lab")
    assert "(Europe/Berlin)" in message["Subject"]


def test_a_one_hour_reminder_and_no_reminder(mail_app, world, smtp_server, make_user):
    start = soon(3)
    _book_lab(mail_app, world, start)
    with mail_app.app_context():
        db.session.add(NotificationSetting(user_id=world.teacher, muted=[],
                                           reminder_minutes=60))
        db.session.commit()
        assert deliver(start - timedelta(hours=23)).reminders == 0
        assert deliver(start - timedelta(minutes=59)).reminders == 1
        db.session.get(NotificationSetting, world.teacher).reminder_minutes = None
        db.session.commit()
    later = soon(4)
    _book_lab(mail_app, world, later)
    with mail_app.app_context():
        assert deliver(later - timedelta(minutes=30)).reminders == 0


def test_two_workers_find_a_reminder_once(mail_app, world):
    start = soon(3)
    _book_lab(mail_app, world, start)
    with mail_app.app_context():
        at = start - timedelta(hours=2)
        assert delivery.queue_reminders(at) == 1
        assert delivery.queue_reminders(at) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


# ---------------------------------------------------------------------------- the CLI

def test_worker_once_exits_0_while_the_mail_server_is_down(mail_app, world, runner):
    _request_and_decide(mail_app, world, 1)
    mail_app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    with mail_app.app_context():  # as `flask` runs it
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "0 sent, 2 to retry" in result.output


def test_worker_once_without_mail_url_writes_the_log_and_marks_sent(app, world, runner,
                                                                     caplog):
    _request_and_decide(app, world, 1)
    app.config.pop("MAIL_URL", None)
    with caplog.at_level("INFO", logger="booking.mail"), app.app_context():
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "2 sent" in result.output
    assert "Request to approve: Motion-capture studio" in caplog.text
    with app.app_context():
        assert states() == {MailState.SENT: 2}


@pytest.mark.parametrize("url, scheme, port, user", [
    ("smtp://mail.example.org", "smtp", 25, ""),
    ("smtp+starttls://me%40x.org:pa%3Ass@mail.example.org:587", "smtp+starttls", 587,
     "me@x.org"),
    ("smtps://u:p@mail.example.org", "smtps", 465, "u"),
])
def test_mail_url_forms(url, scheme, port, user):
    from booking.notifications.transport import parse_mail_url
    server = parse_mail_url(url)
    assert (server.scheme, server.port, server.username) == (scheme, port, user)


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://h:99999x",
                                 "mail.example.org"])
def test_a_malformed_mail_url_is_refused(url):
    from booking.notifications.transport import parse_mail_url
    with pytest.raises(ValueError, match="MAIL_URL must look like"):
        parse_mail_url(url)


# ---------------------------------------------------------------------------- PostgreSQL

@pytest.mark.slow
def test_two_workers_on_postgresql_send_1000_messages_each_once(app, smtp_server, world):
    app.config.update(MAIL_URL=smtp_server.url)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("one worker on SQLite: several need FOR UPDATE SKIP LOCKED")
        now = utcnow()
        db.session.execute(sa.insert(Notification.__table__), [
            {"user_id": world.teacher, "kind": "approved", "action": "booking.approved",
             "resource_id": world.studio, "booking_ids": [], "reason": "", "itip": "",
             "created_at": now, "next_attempt_at": now, "mail_state": "queued",
             "attempts": 0, "last_error": ""} for _ in range(1000)])
        db.session.commit()
    errors, reports = [], []

    def work() -> None:
        try:
            with app.app_context():
                reports.append(delivery.run_once(batch=20))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(r.sent > 0 for r in reports) == [True, True]  # both took their share
    ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(ids) == 1000 and set(ids.values()) == {1}
    with app.app_context():
        assert states() == {MailState.SENT: 1000}
        assert db.session.scalar(sa.select(sa.func.max(Notification.attempts))) == 1


def test_mail_settings_come_from_the_environment_and_a_bad_url_stops_the_app(monkeypatch,
                                                                             tmp_path):
    from booking import create_app
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("MAIL_URL", "smtp+starttls://u:p@mail.example.org:587")
    monkeypatch.setenv("MAIL_FROM", "Booking <b@example.org>")
    app = create_app()
    assert app.config["MAIL_URL"] == "smtp+starttls://u:p@mail.example.org:587"
    assert app.config["MAIL_FROM"] == "Booking <b@example.org>"
    monkeypatch.setenv("MAIL_URL", "mail.example.org:25")
    with pytest.raises(ValueError, match="MAIL_URL must look like"):
        create_app()
