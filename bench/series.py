"""Previewing and booking a two-year daily series against a long history.

A resource with 100,000 bookings (1,000,000 in the table) gets a daily series of 730 dates,
through the real services. Prints the time of the preview and of the booking as a ratio of
booking one date, and the SQL statements each sends (the conflict reads must not grow per date).

    .venv/bin/python bench/series.py
    .venv/bin/python bench/series.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from booking_history import EPOCH, _postgres_database, seed  # noqa: E402 (same folder)

from booking import create_app
from booking.extensions import db
from booking.models import User
from booking.scheduling import Frequency, Recurrence
from booking.services.bookings import BookingRequest, create_booking
from booking.services.series import SeriesRequest, create_series, preview_series

ON_RESOURCE = 100_000
TOTAL = 1_000_000


def measure(url: str) -> None:
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        target, user_id = seed(TOTAL, ON_RESOURCE)
        user = db.session.get(User, user_id)
        history_end = EPOCH + timedelta(hours=ON_RESOURCE)
        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda _c, _k, sql, *a: statements.append(sql))

        singles = []
        for i in range(20):
            start = history_end + timedelta(days=800, hours=i)
            began = time.perf_counter()
            create_booking(user, BookingRequest(target, start, start + timedelta(minutes=30)),
                           now=history_end)
            singles.append(time.perf_counter() - began)
        single = statistics.median(singles)

        first = history_end + timedelta(hours=2)
        request = SeriesRequest(BookingRequest(target, first, first + timedelta(minutes=30)),
                                Recurrence(Frequency.DAILY, count=730))
        statements.clear()
        began = time.perf_counter()
        verdicts = preview_series(user, request, now=history_end)
        preview = time.perf_counter() - began
        preview_statements = len(statements)
        assert all(v.ok for v in verdicts), "the bench series should be free"

        statements.clear()
        began = time.perf_counter()
        _series, booked, _ = create_series(user, request, now=history_end)
        booking = time.perf_counter() - began
        booking_statements = len(statements)
        reads = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))
        assert len(booked) == 730
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    name = url.split(":", 1)[0]
    print(f"{name:22} one booking {single * 1e3:6.1f} ms | preview of 730 dates "
          f"{preview * 1e3:7.1f} ms ({preview / single:5.1f}x one booking, "
          f"{preview_statements} statements) | booking 730 dates {booking * 1e3:7.1f} ms "
          f"({booking / single:5.1f}x, {booking_statements} statements of which {reads} reads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throw-away database is made there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
    if args.postgres:
        url, admin, name = _postgres_database(args.postgres)
        try:
            measure(url)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
