"""A real SMTP server (aiosmtpd) on a free port, and a small consortium to notify."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from booking.db_types import utcnow
from booking.extensions import db
from booking.models import User
from booking.notifications import delivery


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"


@dataclass
class SmtpServer:
    port: int
    handler: Collector
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server():
    """aiosmtpd listening on a free port of 127.0.0.1; `.stop()`/`.start()` take it down/up."""
    server = SmtpServer(free_port(), Collector())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending its mail to the test SMTP server."""
    app.config.update(MAIL_URL=smtp_server.url, MAIL_FROM="Booking <booking@example.org>",
                      PUBLIC_URL="https://booking.example.org")
    return app


@dataclass(frozen=True)
class World:
    owner_org: int
    school: int
    admin: int
    teacher: int
    studio: int   # needs approval
    lab: int      # books at once
    mentor: int   # a staff resource


@pytest.fixture
def world(app, make_org, make_user, make_resource) -> World:
    owner = make_org("Media Enterprise", kind="enterprise")
    school = make_org("Vocational School")
    admin = make_user("admin@enterprise.example", owner, role="org_admin", name="Ada Admin")
    teacher = make_user("teacher@school.example", school, name="Tom Teacher")
    studio = make_resource(owner, name="Motion-capture studio", approval_required=True,
                           location="Hall 2", timezone="Asia/Shanghai")
    lab = make_resource(owner, name="Post-production lab", timezone="Europe/Berlin")
    mentor = make_resource(owner, name="Mentor: Li Wei", kind="staff")
    return World(owner, school, admin, teacher, studio, lab, mentor)


def person(user_id: int) -> User:
    return db.session.get(User, user_id)


def deliver(now: datetime | None = None) -> delivery.Report:
    """One worker round (`flask --app booking worker --once`) at *now*."""
    return delivery.run_once(now=(lambda: now) if now else utcnow)


def soon(days: int = 7, hour: int = 2) -> datetime:
    """A whole hour some days ahead (UTC)."""
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0,
                                                     microsecond=0)
