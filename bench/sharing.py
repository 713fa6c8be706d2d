"""How fast is the sharing table over a million bookings?

Fills a database with 31 organisations, 300 resources (three time zones) and 1,000,000
bookings over two years (85 % confirmed, 10 % cancelled, 5 % pending; 1 to 6 hours, some
over midnight, some with places), the ledger counted as the migration counts it; then times
the sharing table and its CSV for a term (the platform admin's whole table and an org admin's
rows, all kinds and one kind), on SQLite and on PostgreSQL. The goal (issue 13): 300 ms.

    .venv/bin/python bench/sharing.py                      # SQLite only
    .venv/bin/python bench/sharing.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
    .venv/bin/python bench/sharing.py --bookings 100000    # a quicker look
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking import create_app  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import (Booking, LedgerEntry, LedgerMonth, Organisation,  # noqa: E402
                            Resource, User)
from booking.scheduling import Interval  # noqa: E402
from booking.scheduling.availability import zone_named  # noqa: E402
from booking.scheduling.ledger import day_counts  # noqa: E402
from booking.services import sharing  # noqa: E402
from booking.services.sharing import Period  # noqa: E402

ORGANISATIONS, RESOURCES = 31, 300
EPOCH = datetime(2025, 9, 1, tzinfo=timezone.utc)
DAYS = 730
TERM = Period(date(2026, 2, 23), date(2026, 7, 10))  # 20 weeks
ZONES = ("Asia/Shanghai",) * 8 + ("Europe/London", "America/New_York")
KINDS = ("staff", "facility", "practice_base")
REPEATS = 15


def seed(bookings: int) -> None:
    rng = random.Random(13)
    orgs = [Organisation(name=f"成员单位 {i:02d}", kind=("school", "enterprise", "association")[i % 3])
            for i in range(ORGANISATIONS)]
    users = [User(email=f"admin{i}@example.org", name=f"Admin {i}", organisation=org,
                  password_hash="x", role="platform_admin" if i == 0 else "org_admin")
             for i, org in enumerate(orgs)]
    resources = [Resource(organisation=rng.choice(orgs), kind=KINDS[i % 3], name=f"Resource {i}",
                          timezone=rng.choice(ZONES), capacity=rng.choice((1, 1, 5, 20)),
                          longest_occupied_minutes=360)
                 for i in range(RESOURCES)]
    db.session.add_all([*orgs, *users, *resources])
    db.session.commit()
    user_of = {org.id: user.id for org, user in zip(orgs, users)}
    org_ids = list(user_of)
    ledger: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    owner_of = {r.id: r.organisation_id for r in resources}
    zone_of = {r.id: zone_named(r.timezone) for r in resources}
    capacity_of = {r.id: r.capacity for r in resources}
    rows = []
    for n in range(bookings):
        resource_id = rng.choice(resources).id
        # Half of the use is the owner's own, the rest any member's.
        borrower = owner_of[resource_id] if rng.random() < 0.3 else rng.choice(org_ids)
        start = EPOCH + timedelta(minutes=30 * rng.randrange(DAYS * 48))
        end = start + timedelta(minutes=30 * rng.randint(2, 12))
        roll = rng.random()
        status = "confirmed" if roll < 0.85 else "cancelled" if roll < 0.95 else "pending"
        quantity = rng.randint(1, capacity_of[resource_id])
        rows.append({"uid": f"b{n}", "resource_id": resource_id, "user_id": user_of[borrower],
                     "organisation_id": borrower, "title": "", "start_at": start, "end_at": end,
                     "occupied_start_at": start, "occupied_end_at": end, "quantity": quantity,
                     "exclusive": False, "status": status, "decision_reason": "", "sequence": 0,
                     "created_at": EPOCH, "updated_at": EPOCH})
        if status == "confirmed":
            for day, counts in day_counts(Interval(start, end), zone_of[resource_id],
                                          quantity).items():
                total = ledger[(resource_id, borrower, day)]
                for i, value in enumerate(counts):
                    total[i] += value
        if len(rows) == 20_000:
            db.session.execute(sa.insert(Booking.__table__), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Booking.__table__), rows)
    months: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    kind_of = {r.id: r.kind.value for r in resources}
    for (r, o, d), c in ledger.items():
        total = months[(d.replace(day=1), owner_of[r], o, kind_of[r])]
        total[0] += c[0]
        total[1] += c[2]
        total[2] += c[3]
    db.session.execute(sa.insert(LedgerMonth.__table__), [
        {"month": m, "owner_organisation_id": w, "borrower_organisation_id": o, "kind": k,
         "bookings": c[0], "seconds": c[1], "place_seconds": c[2]}
        for (m, w, o, k), c in months.items()])
    entries = [{"resource_id": r, "borrower_organisation_id": o, "day": d,
                "owner_organisation_id": owner_of[r], "bookings": c[0], "carried": c[1],
                "seconds": c[2], "place_seconds": c[3]} for (r, o, d), c in ledger.items()]
    for first in range(0, len(entries), 20_000):
        db.session.execute(sa.insert(LedgerEntry.__table__), entries[first:first + 20_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def fill_months() -> None:
    """A database kept from before the monthly table: fill it from the daily one."""
    from booking.models import LedgerMonth
    db.create_all()  # the tables it lacks
    if db.session.scalar(sa.select(sa.func.count()).select_from(LedgerMonth)):
        return
    month = (sa.func.date_trunc("month", LedgerEntry.day).cast(sa.Date)
             if db.engine.dialect.name == "postgresql"
             else sa.func.strftime("%Y-%m-01", LedgerEntry.day))
    rows = db.session.execute(
        sa.select(month, LedgerEntry.owner_organisation_id, LedgerEntry.borrower_organisation_id,
                  Resource.kind, sa.func.sum(LedgerEntry.bookings),
                  sa.func.sum(LedgerEntry.seconds), sa.func.sum(LedgerEntry.place_seconds))
        .join(Resource, Resource.id == LedgerEntry.resource_id)
        .group_by(month, LedgerEntry.owner_organisation_id,
                  LedgerEntry.borrower_organisation_id, Resource.kind)).all()
    db.session.execute(sa.insert(LedgerMonth.__table__), [
        {"month": m if isinstance(m, date) else date.fromisoformat(m),
         "owner_organisation_id": o, "borrower_organisation_id": b, "kind": getattr(k, "value", k),
         "bookings": n, "seconds": s, "place_seconds": p} for m, o, b, k, n, s, p in rows])
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def timed(action) -> float:
    """Median milliseconds over REPEATS runs, after one to warm up."""
    action()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times) * 1e3


def quota_overhead(samples: int = 200) -> tuple[float, float, float]:
    """Median ms per booking on a resource without and with a quota, and the check alone.

    The borrower is the organisation with the most bookings on another's resource (the seeded
    history); the new bookings, one a day, lie after it, alternating between the two resources
    so that both see the same machine load. The quota is per week.
    """
    from booking.services import checks
    from booking.services.bookings import BookingRequest, create_booking

    busiest = db.session.execute(
        sa.select(Booking.resource_id, Booking.organisation_id, sa.func.count())
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Resource.capacity > 1, Booking.organisation_id != Resource.organisation_id)
        .group_by(Booking.resource_id, Booking.organisation_id)
        .order_by(sa.func.count().desc()).limit(1)).one()
    resource_id, organisation_id = busiest[0], busiest[1]
    plain = db.session.scalar(sa.select(Resource.id).where(
        Resource.id != resource_id, Resource.capacity == db.session.get(
            Resource, resource_id).capacity).limit(1))
    user = db.session.scalar(sa.select(User).where(User.organisation_id == organisation_id))
    quota = db.session.get(Resource, resource_id)
    quota.quota_hours, quota.quota_per = 100_000.0, "week"
    db.session.get(Resource, plain).quota_hours = None
    db.session.commit()
    after = EPOCH + timedelta(days=DAYS + 7)
    now = EPOCH + timedelta(days=DAYS)
    times = {resource_id: [], plain: []}
    for i in range(samples):
        for target in (plain, resource_id):
            start = after + timedelta(days=i, hours=i % 8)  # a booking a day, as people book
            started = time.perf_counter()
            create_booking(user, BookingRequest(target, start, start + timedelta(minutes=30)),
                           now=now)
            times[target].append(time.perf_counter() - started)
    quota = db.session.get(Resource, resource_id)
    start = after + timedelta(days=20, hours=9)
    proposal = checks.Proposal(user, quota, quota.rules(),
                               (Interval(start, start + timedelta(hours=1)),), 1, now, (),
                               frozenset())
    checks.quota(proposal)
    alone = []
    for _ in range(REPEATS * 20):
        started = time.perf_counter()
        checks.quota(proposal)
        alone.append(time.perf_counter() - started)
    db.session.rollback()
    return (statistics.median(times[plain]) * 1e3, statistics.median(times[resource_id]) * 1e3,
            statistics.median(alone) * 1e3)


def measure(name: str, url: str, bookings: int, *, reuse: bool = False) -> None:
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        started = time.perf_counter()
        if not reuse:
            db.create_all()
            seed(bookings)
        else:
            fill_months()
        seeded = time.perf_counter() - started
        ledger_rows = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
        platform = db.session.scalar(sa.select(User).where(User.role == "platform_admin"))
        org_admin = db.session.scalar(sa.select(User).where(User.role == "org_admin"))
        with app.test_request_context():
            table = timed(lambda: sharing.sharing_rows(platform, TERM))
            kind = timed(lambda: sharing.sharing_rows(platform, TERM, "facility"))
            own = timed(lambda: sharing.sharing_rows(org_admin, TERM))
            csv = timed(lambda: sharing.csv_text(sharing.sharing_rows(platform, TERM)))
            page = timed(lambda: sharing.report(platform, TERM))
            rows = len(sharing.sharing_rows(platform, TERM))
        without, with_quota, check_alone = quota_overhead()
        print(f"{name:10} {bookings:,} bookings ({ledger_rows:,} ledger rows, seeded in "
              f"{seeded:.0f} s); a term of {TERM.days} days, {rows} owner × borrower rows:")
        print(f"{'':10} table {table:6.1f} ms · one kind {kind:6.1f} ms · an org admin's rows "
              f"{own:6.1f} ms · CSV {csv:6.1f} ms · whole page data {page:6.1f} ms")
        print(f"{'':10} a booking {without:5.2f} ms without a quota, {with_quota:5.2f} ms with "
              f"one (+{with_quota - without:5.2f} ms); the quota check alone {check_alone:5.3f} ms")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL; a throw-away database is made there")
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep-postgres", metavar="NAME", help="keep the PostgreSQL database "
                        "NAME on that server, and measure the one already there")
    parser.add_argument("--keep", metavar="FILE", help="keep the SQLite database in FILE, and "
                        "measure the one already there without seeding again")
    args = parser.parse_args()
    if args.keep:
        path = Path(args.keep)
        measure("SQLite", f"sqlite:///{path.resolve()}", args.bookings, reuse=path.exists())
    elif not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            measure("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args.bookings)
    if args.postgres and args.keep_postgres:
        base = sa.make_url(args.postgres)
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            there = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s",
                                         (args.keep_postgres,)).scalar()
            if not there:
                conn.exec_driver_sql(f'CREATE DATABASE "{args.keep_postgres}"')
        admin.dispose()
        measure("PostgreSQL", base.set(database=args.keep_postgres).render_as_string(
            hide_password=False), args.bookings, reuse=bool(there))
    elif args.postgres:
        base = sa.make_url(args.postgres)
        name = f"booking_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            measure("PostgreSQL", base.set(database=name).render_as_string(hide_password=False),
                    args.bookings)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
