"""Several processes press "book" on the same last places at the same moment."""

from __future__ import annotations

import multiprocessing
import warnings
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import OCCUPYING_STATUSES, AuditEntry, Booking, User
from booking.services.sharing import Period
from tests.conftest import utc
from tests.services.test_ledger import brute_force, from_ledger as ledger_rows

WORKERS = 6
ROUNDS = 4
FIRST_SLOT = utc(2027, 3, 2, 6, 0)


def _book_in_rounds(url: str, resource_id: int, user_id: int, barrier, results) -> None:
    """Worker: in each round wait for the others, then try to book that round's slot."""
    from booking import create_app
    from booking.exceptions import Conflict
    from booking.models import User
    from booking.services.bookings import BookingRequest, create_booking

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for round_no in range(ROUNDS):
            start = FIRST_SLOT + timedelta(days=round_no)
            request = BookingRequest(resource_id, start, start + timedelta(hours=1))
            barrier.wait(timeout=60)
            try:
                create_booking(db.session.get(User, user_id), request,
                               now=datetime(2027, 1, 1, tzinfo=start.tzinfo))
                results.put((round_no, "booked"))
            except Conflict:
                results.put((round_no, "conflict"))
            except Exception as exc:  # reported, so the test shows what went wrong
                results.put((round_no, f"error: {exc!r}"))
        db.engine.dispose()


def _race(url: str, resource_id: int, user_ids: list[int]) -> list[tuple[int, str]]:
    # fork: the workers inherit the imported app code, so a race costs no start-up time.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [context.Process(target=_book_in_rounds,
                               args=(url, resource_id, user_id, barrier, results))
               for user_id in user_ids]
    with warnings.catch_warnings():  # Python 3.12+ warns about fork with threads around
        warnings.simplefilter("ignore", DeprecationWarning)
        for worker in workers:
            worker.start()
    outcomes = [results.get(timeout=120) for _ in range(WORKERS * ROUNDS)]
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize("capacity", [1, 3])
def test_exactly_capacity_many_win_each_race(app, make_org, make_user, make_resource,
                                             database_url, capacity):
    resource_id = make_resource(capacity=capacity)
    school = make_org()
    user_ids = [make_user(org_id=school) for _ in range(WORKERS)]
    with app.app_context():
        db.engine.dispose()  # no open connections shared with the workers

    outcomes = _race(database_url, resource_id, user_ids)
    chair = make_user(org_id=make_org(), role="platform_admin")

    assert not [o for o in outcomes if o[1].startswith("error")], outcomes
    for round_no in range(ROUNDS):
        verdicts = [verdict for r, verdict in outcomes if r == round_no]
        assert verdicts.count("booked") == capacity, verdicts
        assert verdicts.count("conflict") == WORKERS - capacity, verdicts
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.resource_id == resource_id, Booking.status.in_(OCCUPYING_STATUSES)))
        # The audit trail holds exactly the winners: a loser's change and entry went together.
        booked = set(db.session.scalars(sa.select(Booking.id)))
        audited = db.session.scalars(sa.select(AuditEntry.object_id).where(
            AuditEntry.action == "booking.created")).all()
        # The racing transactions added to the same ledger rows (issue 13): none was lost.
        platform = db.session.get(User, chair)
        period = Period(FIRST_SLOT.date() - timedelta(days=1),
                        FIRST_SLOT.date() + timedelta(days=ROUNDS))
        assert ledger_rows(platform, period) == brute_force(period) != {}
    assert stored == capacity * ROUNDS
    assert sorted(audited) == sorted(booked)


def _book_series(url: str, resource_id: int, user_id: int, offset_days: int, barrier,
                 results) -> None:
    """Worker: book a weekly series of ten Tuesdays (offset to overlap the rival's)."""
    from booking import create_app
    from booking.exceptions import Conflict
    from booking.models import User
    from booking.scheduling import Frequency, Recurrence
    from booking.services.bookings import BookingRequest
    from booking.services.series import SeriesRequest, create_series

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    start = FIRST_SLOT + timedelta(weeks=offset_days)
    request = SeriesRequest(BookingRequest(resource_id, start, start + timedelta(hours=2)),
                            Recurrence(Frequency.WEEKLY, count=10))
    with app.app_context():
        barrier.wait(timeout=60)
        try:
            create_series(db.session.get(User, user_id), request,
                          now=datetime(2027, 1, 1, tzinfo=start.tzinfo))
            results.put("booked")
        except Conflict:
            results.put("conflict")
        except Exception as exc:
            results.put(f"error: {exc!r}")
        db.engine.dispose()


@pytest.mark.slow
def test_two_overlapping_series_never_share_a_date(app, make_org, make_user, make_resource,
                                                   database_url):
    resource_id = make_resource()
    users = [make_user(), make_user()]
    with app.app_context():
        db.engine.dispose()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_book_series,
                               args=(database_url, resource_id, user, offset, barrier, results))
               for user, offset in zip(users, (0, 3))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for worker in workers:
            worker.start()
    outcomes = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == ["booked", "conflict"]
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.resource_id == resource_id, Booking.status.in_(OCCUPYING_STATUSES)))
    assert stored == 10
