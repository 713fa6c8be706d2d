"""What does the audit trail add to booking? The same use case with and without its subscriber.

In one process, over one throw-away database, books fresh (never clashing) times through
services.bookings.create_booking in alternating rounds: with the audit subscriber (one Core
INSERT in the booking's transaction) and with it unsubscribed. Alternating rounds share the
machine's load, so the difference is the audit write's and not the neighbours'.

    .venv/bin/python bench/audit_cost.py                          # SQLite and PostgreSQL
    .venv/bin/python bench/audit_cost.py --databases postgresql --rounds 10 --per-round 100

PostgreSQL: a database booking_bench_<random> is made through --postgres and dropped after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booking import create_app, events  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import AuditEntry, Organisation, Resource, User  # noqa: E402
from booking.services import audit  # noqa: E402
from booking.services.bookings import BookingRequest, create_booking  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=lambda s: s.split(","),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    for name in args.databases:
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                measure(f"sqlite:///{folder}/bench.sqlite", name, args)
        else:
            server = sa.make_url(args.postgres)
            database = f"booking_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
            try:
                measure(server.set(database=database).render_as_string(hide_password=False),
                        name, args)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE "{database}" WITH (FORCE)')
                admin.dispose()


def measure(url: str, name: str, args) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        org = Organisation(name="Bench", kind="school")
        user = User(email="bench@example.org", name="Bench", organisation=org,
                    password_hash="x", role="member")
        resource = Resource(organisation=org, kind="facility", name="Lab")
        db.session.add_all([org, user, resource])
        db.session.commit()
        user_id, resource_id = user.id, resource.id
        start = datetime.now(timezone.utc).replace(microsecond=0, second=0, minute=0) \
            + timedelta(days=2)
        subscribers = app.extensions[events.SUBSCRIBERS]
        times = {"with audit": [], "without": []}
        statements = {"with audit": 0, "without": 0}
        counting = ["without"]

        @sa.event.listens_for(db.engine, "before_cursor_execute")
        def count(*_args):
            statements[counting[0]] += 1
        for round_ in range(args.rounds):
            for label in (("with audit", "without") if round_ % 2 == 0
                          else ("without", "with audit")):
                counting[0] = label
                if label == "without":
                    subscribers.remove(audit.record)
                started = time.perf_counter()
                for _ in range(args.per_round):
                    booker = db.session.get(User, user_id)
                    create_booking(booker, BookingRequest(resource_id, start,
                                                          start + timedelta(minutes=30)))
                    start += timedelta(minutes=30)
                times[label].append((time.perf_counter() - started) / args.per_round * 1000)
                if label == "without":
                    subscribers.append(audit.record)
        entries = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
        for stat in (statistics.median, min):
            with_, without = (stat(times[k]) for k in ("with audit", "without"))
            print(f"{name}: {args.rounds} rounds x {args.per_round} bookings each way; "
                  f"{stat.__name__} of the rounds' ms per booking: {with_:.2f} with the audit "
                  f"entry, {without:.2f} without ({with_ - without:+.2f} ms, "
                  f"{100 * (with_ / without - 1):+.0f}%)")
        print(f"{name}: {entries} entries written for {args.rounds * args.per_round} bookings "
              f"with the subscriber; SQL statements per booking: "
              f"{statements['with audit'] / (args.rounds * args.per_round):.2f} with, "
              f"{statements['without'] / (args.rounds * args.per_round):.2f} without; "
              f"load average {os.getloadavg()[0]:.1f}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
