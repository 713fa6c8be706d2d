"""Notifications: how fast the worker drains the outbox, and what the outbox costs a booking.

1. Queue 10,000 notifications (an approval mail with its iTIP invitation, the heaviest kind)
   and drain them into a local aiosmtpd with one worker, then again with two worker processes:
   messages per second.
2. Book through the real service with the outbox subscriber and without it, booking by
   booking within one run: the request-for-approval path (rows for the owner's admins) and a
   confirmed booking of a staff resource (rows for its person); the ratio of the medians.

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from booking_history import _postgres_database  # noqa: E402 (same folder)

from booking import create_app, events
from booking.extensions import db
from booking.models import (Booking, MailState, Notification, Organisation, Resource, Role,
                            User)
from booking.notifications import delivery, outbox
from booking.services.bookings import BookingRequest, approve_booking, create_booking

QUEUED = 10_000
PAIRS = 300        # bookings with and without the outbox, per path
START = datetime(2030, 1, 7, 1, 0, tzinfo=timezone.utc)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.count += 1
        return "250 OK"


def make_app(url: str, mail_url: str = ""):
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                       "MAIL_URL": mail_url, "PUBLIC_URL": "https://booking.example.org",
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})


def seed() -> dict[str, int]:
    owner = Organisation(name="Owner", kind="enterprise")
    school = Organisation(name="School", kind="school")
    db.session.add_all([owner, school])
    db.session.flush()
    admins = [User(email=f"admin{i}@owner.example", name=f"Admin {i}", organisation=owner,
                   role=Role.ORG_ADMIN, password_hash="x") for i in range(2)]
    teacher = User(email="teacher@school.example", name="Teacher", organisation=school,
                   password_hash="x")
    studio = Resource(organisation=owner, kind="facility", name="Studio", approval_required=True)
    mentor = Resource(organisation=owner, kind="staff", name="Mentor")
    db.session.add_all([*admins, teacher, studio, mentor])
    db.session.commit()
    return {"admin": admins[0].id, "teacher": teacher.id, "studio": studio.id,
            "mentor": mentor.id}


def queue(ids: dict[str, int], count: int) -> None:
    """*count* approval mails about one confirmed booking, due now."""
    booking_id = db.session.scalar(sa.select(Booking.id).where(
        Booking.status == "confirmed", Booking.resource_id == ids["studio"]))
    now = datetime.now(timezone.utc)
    row = {"user_id": ids["teacher"], "kind": "approved", "action": "booking.approved",
           "actor_id": ids["admin"], "resource_id": ids["studio"], "booking_id": booking_id,
           "booking_ids": [booking_id], "reason": "", "itip": "request", "created_at": now,
           "next_attempt_at": now, "mail_state": "queued", "attempts": 0, "last_error": ""}
    for chunk in range(0, count, 1000):
        db.session.execute(sa.insert(Notification.__table__),
                           [row] * min(1000, count - chunk))
    db.session.commit()


def _worker(url: str, mail_url: str) -> None:
    app = make_app(url, mail_url)
    with app.app_context():
        delivery.run_once(batch=50)


def drain(url: str, mail_url: str, workers: int) -> float:
    """Seconds for *workers* processes to send everything queued."""
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(url, mail_url)) for _ in range(workers)]
    began = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return time.perf_counter() - began


def book_pairs(app, ids: dict[str, int]) -> dict[str, list[float]]:
    """Per-booking seconds, by path and variant: with and without the outbox subscriber
    alternate booking by booking (the first of each pair alternating too), so the load of a
    shared machine falls on both alike."""
    times: dict[str, list[float]] = {k: [] for k in (
        "request with outbox", "request without", "staff with outbox", "staff without")}
    subscribers = app.extensions[events.SUBSCRIBERS]
    slot = 0
    for index in range(PAIRS):
        for path, resource in (("request", ids["studio"]), ("staff", ids["mentor"])):
            for with_outbox in ((True, False) if index % 2 else (False, True)):
                if with_outbox and outbox.on_event not in subscribers:
                    subscribers.append(outbox.on_event)
                elif not with_outbox and outbox.on_event in subscribers:
                    subscribers.remove(outbox.on_event)
                slot += 1
                start = START + timedelta(hours=slot)
                teacher = db.session.get(User, ids["teacher"])
                began = time.perf_counter()
                create_booking(teacher, BookingRequest(resource, start,
                                                       start + timedelta(minutes=30)),
                               now=START)
                suffix = "with outbox" if with_outbox else "without"
                times[f"{path} {suffix}"].append(time.perf_counter() - began)
    if outbox.on_event not in subscribers:
        subscribers.append(outbox.on_event)
    return times


def measure(engine_name: str, url: str, parts: str = "all") -> None:
    handler = Counter()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    mail_url = f"smtp://127.0.0.1:{port}"
    app = make_app(url, mail_url)
    with app.app_context():
        db.create_all()
        ids = seed()
        times = book_pairs(app, ids) if parts in ("all", "booking") else {}
        if not times:  # the drain needs one confirmed booking to write about
            create_booking(db.session.get(User, ids["teacher"]), BookingRequest(
                ids["studio"], START, START + timedelta(minutes=30)), now=START)
        pending = db.session.scalar(sa.select(Booking.id).where(Booking.status == "pending"))
        approve_booking(db.session.get(User, ids["admin"]), pending, now=START)
        db.session.execute(sa.delete(Notification))
        db.session.commit()
        if times:
            print(f"{engine_name}: booking through the service, median of {PAIRS} each, "
                  f"with and without the outbox alternating")
        for path in ("request", "staff") if times else ():
            with_ = statistics.median(times[f"{path} with outbox"])
            without = statistics.median(times[f"{path} without"])
            print(f"  {path:8} with outbox {with_ * 1e3:6.2f} ms, without {without * 1e3:6.2f} ms"
                  f": +{(with_ / without - 1) * 100:4.1f}%  (throughput loss "
                  f"{(1 - without / with_) * 100:4.1f}%)")
        for workers in (1, 2) if parts in ("all", "drain") else ():
            queue(ids, QUEUED)
            db.session.remove()
            before = handler.count
            seconds = drain(url, mail_url, workers)
            sent = handler.count - before
            left = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                     .where(Notification.mail_state == MailState.QUEUED))
            print(f"  drain {QUEUED:,} with {workers} worker(s): {seconds:6.1f} s, "
                  f"{sent / seconds:6.0f} msg/s ({sent:,} received, {left} left queued)")
            db.session.execute(sa.delete(Notification))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    smtp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--part", choices=("all", "booking", "drain"), default="all")
    args = parser.parse_args()
    if args.postgres:
        url, admin, name = _postgres_database(args.postgres)
        try:
            measure("PostgreSQL", url, args.part)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as folder:
            measure("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.part)


if __name__ == "__main__":
    main()
