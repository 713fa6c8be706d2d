"""Does deciding one booking slow down as history grows?

Books fresh times into one resource whose table holds 1,000 bookings, then 1,000,000 bookings
(100,000 of them on that same resource), on SQLite and on PostgreSQL, through the real service
(lock, bounded conflict read, rules, insert, commit). Prints the median time per booking, the
ratio large/small (close to 1 is the goal) and the SQL statements per booking.

    .venv/bin/python bench/booking_history.py                     # SQLite only
    .venv/bin/python bench/booking_history.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking import create_app  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Organisation, Resource, User  # noqa: E402
from booking.scheduling import Interval  # noqa: E402
from booking.services.bookings import BookingRequest, create_booking  # noqa: E402
from booking.services.checks import occupancies  # noqa: E402

RESOURCES = 10
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
SAMPLES = 300


def seed(total: int, on_target: int) -> tuple[int, int]:
    """Fill the tables in SQL (fast), hour-long bookings back to back; return (resource, user)."""
    org = Organisation(name="Bench org", kind="enterprise")
    user = User(email="bench@example.org", name="Bench", organisation=org, password_hash="x")
    resources = [Resource(organisation=org, kind="facility", name=f"R{i}", longest_occupied_minutes=60)
                 for i in range(RESOURCES)]
    db.session.add_all([org, user, *resources])
    db.session.commit()
    target = resources[0].id
    others = [r.id for r in resources[1:]]
    per_other = (total - on_target) // len(others)
    for resource_id, count in [(target, on_target), *[(r, per_other) for r in others]]:
        _insert_series(resource_id, user.id, org.id, count)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE booking")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return target, user.id


def _insert_series(resource_id: int, user_id: int, org_id: int, count: int) -> None:
    if db.engine.dialect.name == "postgresql":
        sql = """
        INSERT INTO booking (uid, resource_id, user_id, organisation_id, title, start_at, end_at,
            occupied_start_at, occupied_end_at, quantity, exclusive, status, decision_reason,
            sequence, created_at, updated_at)
        SELECT md5(:r || '-' || n), :r, :u, :o, '', t, t + interval '1 hour', t,
               t + interval '1 hour', 1, true, 'confirmed', '', 0, now(), now()
        FROM (SELECT n, timestamptz '2020-01-01 00:00+00' + n * interval '1 hour' AS t
              FROM generate_series(0, :c - 1) AS n) s"""
    else:
        sql = """
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < :c)
        INSERT INTO booking (uid, resource_id, user_id, organisation_id, title, start_at, end_at,
            occupied_start_at, occupied_end_at, quantity, exclusive, status, decision_reason,
            sequence, created_at, updated_at)
        SELECT :r || '-' || n, :r, :u, :o, '',
               strftime('%Y-%m-%d %H:%M:%S.000000', '2020-01-01', '+' || n || ' hours'),
               strftime('%Y-%m-%d %H:%M:%S.000000', '2020-01-01', '+' || (n + 1) || ' hours'),
               strftime('%Y-%m-%d %H:%M:%S.000000', '2020-01-01', '+' || n || ' hours'),
               strftime('%Y-%m-%d %H:%M:%S.000000', '2020-01-01', '+' || (n + 1) || ' hours'),
               1, 1, 'confirmed', '', 0, '2020-01-01 00:00:00.000000', '2020-01-01 00:00:00.000000'
        FROM seq"""
    if count > 0:
        db.session.execute(sa.text(sql), {"r": resource_id, "u": user_id, "o": org_id, "c": count})


def measure(url: str, total: int, on_target: int) -> tuple[float, float, float]:
    """Median seconds per booking, SQL statements per booking, median seconds per conflict read."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        target, user_id = seed(total, on_target)
        user = db.session.get(User, user_id)
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        # Fresh times right after the resource's history ("now" is there too): without the
        # look-back bound the conflict read would walk all earlier bookings of the resource.
        history_end = EPOCH + timedelta(hours=on_target)
        times = []
        for i in range(SAMPLES):
            start = history_end + timedelta(hours=i)
            started = time.perf_counter()
            create_booking(user, BookingRequest(target, start, start + timedelta(minutes=30)),
                           now=history_end)
            times.append(time.perf_counter() - started)
        per_booking = len(statements) / SAMPLES
        resource = db.session.get(Resource, target)
        reads = []
        for i in range(SAMPLES):
            # The conflict read alone, in the middle of the history: must not grow with it.
            start = EPOCH + timedelta(hours=on_target // 2 + i)
            started = time.perf_counter()
            occupancies(resource, Interval(start, start + timedelta(minutes=30)))
            reads.append(time.perf_counter() - started)
        db.session.rollback()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return statistics.median(times), per_booking, statistics.median(reads)


def _postgres_database(base_url: str) -> tuple[str, sa.Engine, str]:
    base = sa.make_url(base_url)
    name = f"booking_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False), admin, name


def run(engine_name: str, url: str) -> None:
    small = measure(url, 1_000, 100)
    large = measure(url, 1_000_000, 100_000)
    print(f"{engine_name:10} whole booking (lock, read, rules, insert, commit): "
          f"{small[0] * 1e3:6.2f} ms with 1,000 rows, {large[0] * 1e3:6.2f} ms with 1,000,000 "
          f"(100,000 on the resource): ratio {large[0] / small[0]:.2f}; "
          f"{small[1]:.0f} statements per booking")
    print(f"{engine_name:10} conflict read alone: {small[2] * 1e6:6.0f} us with 1,000 rows, "
          f"{large[2] * 1e6:6.0f} us with 1,000,000: ratio {large[2] / small[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throw-away database is made there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
    if args.postgres:
        url, admin, name = _postgres_database(args.postgres)
        try:
            run("PostgreSQL", url)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
