"""Fair shares: an organisation holds at most its quota of hours on another's resource."""

from __future__ import annotations

import multiprocessing
import warnings
from datetime import date, datetime, timedelta, timezone

import pytest

from booking.exceptions import Conflict, InvalidInput, SeriesConflict
from booking.extensions import db
from booking.messages import describe
from booking.models import Resource, Term, User
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings, quotas, resources, series
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest

MONDAY = datetime(2031, 3, 3, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
NOW = datetime(2031, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def world(app, make_org, make_user, make_resource):
    owner, school, other = make_org("Base"), make_org("School"), make_org("Other")
    ids = {"owner": owner, "school": school, "other": other,
           "teacher": make_user("t@school.org", school),
           "colleague": make_user("c@school.org", school),
           "stranger": make_user("s@other.org", other),
           "owner_member": make_user("m@base.org", owner),
           "owner_admin": make_user("a@base.org", owner, role="org_admin")}
    ids["lab"] = make_resource(owner, quota_hours=3, quota_per="week")
    ids["base"] = make_resource(owner, capacity=20, quota_hours=10, quota_per="month")
    return ids


def book(user_id, resource_id, start, hours, quantity=1):
    user = db.session.get(User, user_id)
    return bookings.create_booking(user, BookingRequest(
        resource_id, start, start + timedelta(hours=hours), quantity), now=NOW)


def test_a_week_quota_counts_pending_and_confirmed_and_says_what_is_left(app, world):
    with app.app_context():
        book(world["teacher"], world["lab"], MONDAY, 2)
        with pytest.raises(Conflict) as refused:
            book(world["colleague"], world["lab"], MONDAY + timedelta(days=2), 2)
        reason = refused.value.reasons[0]
        assert reason.code == "quota" and reason.limit == 60
        text = describe(reason, "Asia/Shanghai")
        assert "1 hour left" in text and "Mar 10" in text  # frees up next Monday
        book(world["colleague"], world["lab"], MONDAY + timedelta(days=2), 1)  # exactly fits
        book(world["teacher"], world["lab"], MONDAY + timedelta(days=7), 3)  # next week
        book(world["stranger"], world["lab"], MONDAY + timedelta(hours=3), 3)  # another org
        book(world["owner_member"], world["lab"], MONDAY + timedelta(days=3), 8)  # the owner's


def test_places_count_as_place_hours_per_month(app, world):
    with app.app_context():
        book(world["teacher"], world["base"], MONDAY, 2, quantity=4)  # 8 place-hours
        with pytest.raises(Conflict):
            book(world["teacher"], world["base"], MONDAY + timedelta(days=20), 1, quantity=3)
        book(world["teacher"], world["base"], MONDAY + timedelta(days=29), 1, quantity=3)  # April


def test_cancelled_and_rejected_bookings_free_the_quota_and_moves_count_once(app, world):
    with app.app_context():
        first = book(world["teacher"], world["lab"], MONDAY, 3)
        bookings.move_booking(db.session.get(User, world["teacher"]), first.id,
                              MONDAY + timedelta(hours=4), MONDAY + timedelta(hours=7), now=NOW)
        bookings.cancel_booking(db.session.get(User, world["teacher"]), first.id)
        book(world["colleague"], world["lab"], MONDAY, 3)


def test_a_series_stops_at_the_quota(app, world):
    with app.app_context():
        teacher = db.session.get(User, world["teacher"])
        request = SeriesRequest(BookingRequest(world["lab"], MONDAY, MONDAY + timedelta(hours=2)),
                                Recurrence(Frequency.DAILY, count=3))
        with pytest.raises(SeriesConflict) as refused:
            series.create_series(teacher, request, now=NOW)
        codes = [[r.code for r in v.reasons] for v in refused.value.verdicts]
        assert codes == [[], ["quota"], ["quota"]]


def test_a_term_quota_needs_a_term(app, world):
    with app.app_context():
        resource = db.session.get(Resource, world["lab"])
        resource.quota_per = "term"
        db.session.add(Term(name="Spring", first_day=date(2031, 2, 24),
                            last_day=date(2031, 6, 30)))
        db.session.commit()
        book(world["teacher"], world["lab"], MONDAY, 3)
        with pytest.raises(Conflict):
            book(world["teacher"], world["lab"], MONDAY + timedelta(days=40), 1)
        book(world["teacher"], world["lab"], datetime(2031, 7, 7, 1, tzinfo=timezone.utc), 5)
        teacher = db.session.get(User, world["teacher"])
        left = quotas.allowance(teacher, db.session.get(Resource, world["lab"]), MONDAY)
        assert left.left == 0 and left.period.end.date() == date(2031, 6, 30)


@pytest.mark.parametrize("quota, field", [
    ({"hours": 0, "per": "week"}, "quota"), ({"hours": 3, "per": "year"}, "quota"),
    ({"hours": "3", "per": "week"}, "quota"), ({"hours": 3}, "quota"), ("3h", "quota")])
def test_a_wrong_quota_is_refused(app, world, quota, field):
    with app.app_context():
        admin = db.session.get(User, world["owner_admin"])
        with pytest.raises(InvalidInput) as refused:
            resources.update_resource_fields(admin, world["lab"], quota=quota)
        assert field in refused.value.fields


def test_the_quota_check_reads_the_database_once(app, world):
    """One statement per check, however many bookings the organisation holds: the bench
    (bench/sharing.md) times it; a count of statements cannot be fooled by a loaded machine."""
    import sqlalchemy as sa
    from booking.scheduling import Interval
    from booking.services.checks import Proposal, quota
    with app.app_context():
        for day in range(4):
            book(world["teacher"], world["base"], MONDAY + timedelta(days=day), 1)
        teacher = db.session.get(User, world["teacher"])
        resource = db.session.get(Resource, world["base"])
        proposal = Proposal(teacher, resource, resource.rules(),
                            (Interval(MONDAY + timedelta(days=5),
                                      MONDAY + timedelta(days=5, hours=1)),),
                            1, NOW, (), frozenset())
        statements = []

        def seen(_connection, _cursor, statement, *_rest):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert quota(proposal) == [[]]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        assert len(statements) == 1, statements


# ------------------------------------------------------------------ racing for the last hour

def _book_last_hour(url, resource_id, user_id, start, barrier, results):
    from booking import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        barrier.wait(timeout=60)
        try:
            book(user_id, resource_id, start, 1)
            results.put("booked")
        except Conflict as exc:
            results.put("quota" if exc.reasons[0].code == "quota" else "conflict")
        except Exception as exc:  # reported, so the test shows what went wrong
            results.put(f"error: {exc!r}")
        db.engine.dispose()


@pytest.mark.slow
def test_two_people_racing_for_their_organisations_last_hour_never_both_get_it(
        app, world, make_user, database_url):
    workers = 4
    people = [make_user(org_id=world["school"]) for _ in range(workers)]
    with app.app_context():
        book(world["teacher"], world["lab"], MONDAY, 2)  # one hour of three left
        db.engine.dispose()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers), context.Queue()
    procs = [context.Process(target=_book_last_hour, args=(
        database_url, world["lab"], user_id, MONDAY + timedelta(hours=3 + i), barrier, results))
        for i, user_id in enumerate(people)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for proc in procs:
            proc.start()
    outcomes = sorted(results.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
    assert outcomes == ["booked"] + ["quota"] * (workers - 1), outcomes


def test_the_booking_form_shows_the_allowance_and_the_refusal(app, client, world):
    from tests.conftest import PASSWORD
    with app.app_context():
        book(world["teacher"], world["lab"], MONDAY, 2)
    client.post("/login", data={"email": "c@school.org", "password": PASSWORD})
    page = client.get(f"/bookings/new?resource_id={world['lab']}&start=2031-03-05T09:00"
                      f"&end=2031-03-05T11:00")
    text = page.get_data(as_text=True)
    assert "3.0 hours of this resource per week: 1.0 left this week" in text
    refused = client.post("/bookings/new", data={"resource_id": world["lab"],
                                                 "start": "2031-03-05T09:00",
                                                 "end": "2031-03-05T11:00"})
    assert refused.status_code == 409
    assert "quota" in refused.get_data(as_text=True)


def test_a_quota_refusal_offers_no_alternatives_that_would_break_it_too(app, world):
    with app.app_context():
        book(world["teacher"], world["lab"], MONDAY, 3)
        with pytest.raises(Conflict) as refused:
            book(world["teacher"], world["lab"], MONDAY + timedelta(days=1), 1)
        assert [r.code for r in refused.value.reasons] == ["quota"]
        assert refused.value.alternatives == []
