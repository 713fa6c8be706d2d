"""Tell people: an outbox row per recipient in the change's transaction (outbox), delivered
as e-mail by a separate worker (delivery, `flask --app booking worker`), and shown in the
app's inbox (inbox). Who hears what is decided in one place (audience). docs/notifications.md.
"""

from __future__ import annotations

from flask import Flask

from booking import events
from booking.notifications import outbox
from booking.notifications.transport import parse_mail_url


def init_app(app: Flask) -> None:
    """Check MAIL_URL (read like DATABASE_URL) and start writing the outbox."""
    if url := app.config.get("MAIL_URL"):
        parse_mail_url(url)  # a malformed address stops the app at start-up, saying why
    events.subscribe(app, outbox.on_event)
