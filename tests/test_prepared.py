"""booking.prepared: a statement run on the driver gives and writes exactly what
session.execute() gives and writes, on both engines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.extensions import db
from booking.models import Booking, BookingStatus
from booking.prepared import Prepared
from booking.services import checks
from tests.conftest import utc

BASE = utc(2030, 3, 30, 0, 0)  # Europe's clocks change the night after: zones do not matter here
COLUMNS = (Booking.id, Booking.occupied_start_at, Booking.occupied_end_at, Booking.quantity,
           Booking.status, Booking.title, Booking.decided_at)
OCCUPYING = checks._occupying_statement(COLUMNS)


@pytest.fixture
def lab(app, make_org, make_user, make_resource, make_booking):
    """A lab with bookings on a quarter-hour grid, some pending, some cancelled, one with
    seconds and microseconds (where a wrongly bound time would compare differently)."""
    school = make_org("School")
    teacher = make_user("teacher@school.org", school)
    lab = make_resource(school, name="Lab", capacity=3)
    statuses = ["confirmed", "pending", "cancelled"]
    for n in range(40):
        start = BASE + timedelta(minutes=15 * ((n * 7) % 90))
        make_booking(lab, teacher, start, start + timedelta(minutes=15 * (1 + n % 5)),
                     status=statuses[n % 3], title=f"Booking {n} — 课")
    odd = BASE + timedelta(hours=3, seconds=1, microseconds=500)
    make_booking(lab, teacher, odd, odd + timedelta(minutes=30, microseconds=1))
    return lab


def _spans():
    quarter = st.integers(min_value=-4, max_value=100).map(
        lambda n: BASE + timedelta(minutes=15 * n))
    # Mostly on the grid, where a span's edge meets a booking's edge exactly.
    fine = st.one_of(st.just(timedelta(0)), st.integers(min_value=1, max_value=10**6).map(
        lambda us: timedelta(microseconds=us)))
    return st.tuples(quarter, quarter, fine, fine)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(span=_spans(), lookback=st.integers(min_value=0, max_value=200))
def test_reads_give_what_session_execute_gives(app, lab, span, lookback):
    first, second, nudge_a, nudge_b = span
    start, end = sorted((first + nudge_a, second + nudge_b))
    params = {"resource_id": lab, "earliest_start": start - timedelta(minutes=lookback),
              "span_end": end, "span_start": start}
    with app.app_context():
        expected = [tuple(row) for row in db.session.execute(OCCUPYING, params)]
        got = Prepared(OCCUPYING).rows(params)
        db.session.rollback()
    assert got == expected
    assert all(isinstance(row[4], BookingStatus) and row[1].tzinfo is not None for row in got)


def test_a_row_written_is_the_row_session_execute_writes(app, lab, make_user, make_org):
    table = Booking.__table__
    insert = sa.insert(table).returning(table.c.id)
    with app.app_context():
        template = {c.key: v for c, v in zip(
            table.columns, db.session.execute(sa.select(table).limit(1)).one())}
        row = {**template, "decided_at": datetime(2030, 4, 1, 9, 30, 5, 123456, timezone.utc),
               "status": BookingStatus.REJECTED, "title": "Ünïcode «课»", "decision_reason": ""}
        del row["id"]
        ids = []
        for run in (lambda r: db.session.execute(insert, r).scalar_one(),
                    lambda r: Prepared(insert, column_keys=r).scalar(r)):
            ids.append(run({**row, "uid": f"uid-{len(ids)}"}))
        raw = [db.session.execute(sa.text("SELECT * FROM booking WHERE id = :id"),
                                  {"id": i}).one()._asdict() for i in ids]
        db.session.rollback()
    for stored in raw:
        stored.pop("id")
        stored.pop("uid")
    assert raw[0] == raw[1]


def test_several_rows_at_once_and_the_rowcount(app, lab):
    update = (sa.update(Booking.__table__).where(Booking.__table__.c.id == sa.bindparam("key"))
              .values(title=sa.bindparam("new_title"), updated_at=sa.bindparam("now")))
    now = utc(2030, 1, 1, 12, 0)
    with app.app_context():
        ids = db.session.scalars(sa.select(Booking.id).where(Booking.resource_id == lab)
                                 .order_by(Booking.id).limit(3)).all()
        Prepared(update).run([{"key": i, "new_title": f"Renamed {i}", "now": now} for i in ids])
        assert Prepared(update).run({"key": -1, "new_title": "none", "now": now}) == 0
        with pytest.raises(NotImplementedError, match="updated_at"):
            # execute() would set updated_at itself (its onupdate): a run must give it
            Prepared(sa.update(Booking.__table__).values(title="x")).run({})
        titles = db.session.scalars(sa.select(Booking.title).where(Booking.id.in_(ids))
                                    .order_by(Booking.id)).all()
        db.session.rollback()
    assert titles == [f"Renamed {i}" for i in ids]


def test_driver_errors_arrive_as_sqlalchemy_errors_and_change_nothing(app, lab):
    table = Booking.__table__
    with app.app_context():
        uid = db.session.scalar(sa.select(table.c.uid).limit(1))
        clash = sa.update(table).where(table.c.uid != sa.bindparam("kept")).values(
            uid=sa.bindparam("taken"), updated_at=sa.bindparam("now"))
        with pytest.raises(sa.exc.IntegrityError):
            Prepared(clash).run({"kept": uid, "taken": uid, "now": BASE})
        db.session.rollback()
        with pytest.raises(sa.exc.InvalidRequestError):
            Prepared(OCCUPYING).rows({"resource_id": lab})
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).where(table.c.uid == uid)) == 1


def test_engine_listeners_see_each_statement(app, lab):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            Prepared(OCCUPYING).rows({"resource_id": lab, "earliest_start": BASE,
                                      "span_end": BASE, "span_start": BASE})
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
            db.session.rollback()
    assert len(seen) >= 1 and "FROM booking" in seen[-1]


def test_what_the_session_holds_is_written_first_as_execute_would(app, lab):
    count = Prepared(sa.select(sa.func.count()).select_from(Booking.__table__)
                     .where(Booking.__table__.c.title == "Pending in the session"))
    with app.app_context():
        booking = db.session.scalars(sa.select(Booking).limit(1)).one()
        booking.title = "Pending in the session"  # not flushed yet
        assert count.scalar() == 1
        with db.session.no_autoflush:
            booking.title = "Changed again"
            assert count.scalar() == 1  # no autoflush asked: the row as last written
        db.session.rollback()
