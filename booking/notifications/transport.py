"""Where mail goes: MAIL_URL names an SMTP server; without it, mail is written to the log.

    smtp://host:25                      plain SMTP (a local relay)
    smtp+starttls://user:pass@host:587  SMTP upgraded with STARTTLS, then AUTH
    smtps://user:pass@host:465          SMTP over TLS from the start

User names and passwords are URL-encoded (%40 for @). The standard library's smtplib sends;
one connection serves a whole batch.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger("booking.mail")

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class MailServer:
    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = ""


def parse_mail_url(url: str) -> MailServer:
    """The server a MAIL_URL names, or ValueError saying what is wrong with it."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in SCHEMES or not parts.hostname or port == -1:
        raise ValueError("MAIL_URL must look like smtp://host:25, smtp+starttls://user:"
                         "password@host:587 or smtps://user:password@host:465, "
                         f"not {url!r}")
    return MailServer(parts.scheme, parts.hostname, port or SCHEMES[parts.scheme],
                      unquote(parts.username or ""), unquote(parts.password or ""))


class Transport:
    """Sends messages; a context manager so one connection serves a batch."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LogTransport(Transport):
    """No MAIL_URL (make run): each message's text part goes to the log; nothing is sent."""

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        log.info("Mail (not sent: MAIL_URL is not set)\nTo: %s\nSubject: %s\n"
                 "Message-ID: %s\n\n%s",
                 message["To"], message["Subject"], message["Message-ID"], text)


class SmtpTransport(Transport):
    def __init__(self, server: MailServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
        if server.username:
            smtp.login(server.username, server.password)
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None


def transport_for(mail_url: str | None) -> Transport:
    return SmtpTransport(parse_mail_url(mail_url)) if mail_url else LogTransport()
