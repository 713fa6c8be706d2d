"""The audit trail: one entry for every action, in the change's transaction, never changed."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from booking import events
from booking.exceptions import Conflict, NotAllowed
from booking.extensions import db
from booking.models import AuditEntry, Booking, User
from booking.permissions import audit_visible, can_see_audit_entry
from booking.scheduling import Frequency, Recurrence
from booking.services import accounts, api_tokens, audit, feeds, organisations, resources
from booking.services import bookings as booking_service
from booking.services import series as series_service
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.conftest import utc

NOW = utc(2027, 1, 4)
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = datetime(2027, 3, 2, 14, 0, tzinfo=SHANGHAI)  # a Tuesday


@pytest.fixture
def world(make_org, make_user, make_resource):
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    return {"school": school, "studio": studio,
            "teacher": make_user("t@school.org", school),
            "school_admin": make_user("a@school.org", school, role="org_admin"),
            "admin": make_user("a@studio.org", studio, role="org_admin"),
            "platform": make_user("p@platform.org", make_org("Platform"),
                                  role="platform_admin"),
            "lab": make_resource(studio, name="Lab"),
            "studio_room": make_resource(studio, name="Studio room", approval_required=True)}


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _book(w, resource="lab", start=FIRST, hours=2) -> Booking:
    return booking_service.create_booking(
        _user(w["teacher"]), BookingRequest(w[resource], start, start + timedelta(hours=hours),
                                            title="Animation"), now=NOW)


def _series(w, resource="lab") -> int:
    request = SeriesRequest(BookingRequest(w[resource], FIRST, FIRST + timedelta(hours=2),
                                           title="Weekly"),
                            Recurrence(Frequency.WEEKLY, count=3))
    return series_service.create_series(_user(w["teacher"]), request, now=NOW)[0].id


def _entries(action: str | None = None) -> list[AuditEntry]:
    db.session.rollback()  # a fresh transaction sees only what was committed
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


# Each case does one action through its one home and says what the entry must hold:
# (actor key or None, object type, object id, organisation key, other organisation key).

def booking_created(w):
    b = _book(w)
    return "teacher", "booking", b.id, "studio", "school", {"after": {"status": "confirmed"}}


def booking_approved(w):
    b = _book(w, "studio_room")
    booking_service.approve_booking(_user(w["admin"]), b.id, now=NOW)
    return "admin", "booking", b.id, "studio", "school", {
        "before": {"status": "pending"}, "after": {"status": "confirmed"}}


def booking_rejected(w):
    b = _book(w, "studio_room")
    booking_service.reject_booking(_user(w["admin"]), b.id, "Closed for repairs")
    return "admin", "booking", b.id, "studio", "school", {
        "before": {"status": "pending"}, "after": {"status": "rejected"},
        "reason": "Closed for repairs"}


def booking_cancelled(w):
    b = _book(w)
    booking_service.cancel_booking(_user(w["teacher"]), b.id)
    return "teacher", "booking", b.id, "studio", "school", {
        "before": {"status": "confirmed"}, "after": {"status": "cancelled"}}


def booking_moved(w):
    b = _book(w)
    later = FIRST + timedelta(days=1)
    booking_service.move_booking(_user(w["admin"]), b.id, later, later + timedelta(hours=2),
                                 now=NOW)
    return "admin", "booking", b.id, "studio", "school", {
        "before": {"start": _iso(FIRST), "end": _iso(FIRST + timedelta(hours=2))},
        "after": {"start": _iso(later), "end": _iso(later + timedelta(hours=2))}}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def series_changed(w):
    series_id = _series(w)
    series_service.update_series(_user(w["teacher"]), series_id, title="Weekly, room 2",
                                 now=NOW)
    return "teacher", "series", series_id, "studio", "school", {
        "after": {"title": "Weekly, room 2"}}


def resource_changed(w):
    resources.update_resource_fields(_user(w["admin"]), w["lab"], capacity=4, now=NOW)
    return "admin", "resource", w["lab"], "studio", None, {
        "before": {"capacity": 1}, "after": {"capacity": 4}}


def organisation_suspended(w):
    organisations.set_organisation_active(_user(w["platform"]), w["school"], False)
    return "platform", "organisation", w["school"], "school", None, {
        "before": {"is_active": True}, "after": {"is_active": False}}


def member_role_changed(w):
    organisations.change_member_role(_user(w["school_admin"]), w["teacher"], "org_admin")
    return "school_admin", "person", w["teacher"], "school", None, {
        "before": {"role": "member"}, "after": {"role": "org_admin"}, "email": "t@school.org"}


def member_added(w):
    user = organisations.add_member(_user(w["admin"]), w["studio"], name="New Person",
                                    email="new@studio.org", first_password="kite-bamboo-9x",
                                    role="org_admin")
    return "admin", "person", user.id, "studio", None, {
        "after": {"role": "org_admin"}, "email": "new@studio.org"}


def test_the_first_admin_of_an_admitted_organisation_is_recorded(app, world):
    with app.app_context():
        organisation, admin = organisations.admit_organisation(
            _user(world["platform"]), name="Harbour College", kind="school",
            admin_name="Zhou Min", admin_email="zhou@harbour.org",
            first_password="kite-bamboo-9x")
        [entry] = _entries("member.added")
        assert (entry.actor_id, entry.object_id, entry.organisation_id) == (
            world["platform"], admin.id, organisation.id)
        assert entry.details["after"] == {"role": "org_admin"}


def member_deactivated(w):
    organisations.change_member_active(_user(w["school_admin"]), w["teacher"], False)
    return "school_admin", "person", w["teacher"], "school", None, {
        "before": {"is_active": True}, "after": {"is_active": False}}


def member_reactivated(w):
    organisations.change_member_active(_user(w["school_admin"]), w["teacher"], False)
    organisations.change_member_active(_user(w["school_admin"]), w["teacher"], True)
    return "school_admin", "person", w["teacher"], "school", None, {
        "before": {"is_active": False}, "after": {"is_active": True}}


def token_created(w):
    token, _secret = api_tokens.create_token(_user(w["teacher"]), "timetable")
    return "teacher", "token", token.id, "school", None, {"name": "timetable"}


def token_revoked(w):
    token, _secret = api_tokens.create_token(_user(w["teacher"]), "timetable")
    api_tokens.revoke_token(_user(w["teacher"]), token.id)
    return "teacher", "token", token.id, "school", None, {"name": "timetable"}


def feed_created(w):
    feed, _secret = feeds.create_feed(_user(w["teacher"]), "me")
    return "teacher", "feed", feed.id, "school", None, {"scope": "me"}


def feed_revoked(w):
    feed, _secret = feeds.create_feed(_user(w["teacher"]), "resource", w["lab"])
    feeds.revoke_feed(_user(w["teacher"]), feed.id)
    return "teacher", "feed", feed.id, "school", None, {"scope": "resource",
                                                        "resource_id": w["lab"]}


def login_failed(w):
    assert accounts.authenticate("T@School.org", "not the password") is None
    return None, "person", w["teacher"], "school", None, {"reason": "wrong_password"}


CASES = [booking_created, booking_approved, booking_rejected, booking_cancelled, booking_moved,
         series_changed, resource_changed, organisation_suspended, member_role_changed,
         token_created, token_revoked, feed_created, feed_revoked, login_failed,
         member_added, member_deactivated, member_reactivated]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__.replace("_", ".", 1))
def test_every_action_leaves_one_entry_saying_who_what_and_how(app, world, case):
    action = case.__name__.replace("_", ".", 1)
    with app.app_context():
        actor, object_type, object_id, org, other, details = case(world)
        [entry] = _entries(action)
        people = {k: _user(v) for k, v in world.items() if k in (
            "teacher", "school_admin", "admin", "platform")}
        assert entry.at.tzinfo is not None and abs(entry.at - datetime.now(entry.at.tzinfo)) \
            < timedelta(minutes=1)
        if actor is None:
            assert entry.actor_id is None and entry.actor_email == "t@school.org"
        else:
            assert (entry.actor_id, entry.actor_email) == (people[actor].id,
                                                           people[actor].email)
        assert (entry.object_type, entry.object_id) == (object_type, object_id)
        assert entry.organisation_id == world[org]
        assert entry.other_organisation_id == (world[other] if other else None)
        for key, value in details.items():
            if isinstance(value, dict):
                assert {k: entry.details[key][k] for k in value} == value, entry.details
            else:
                assert entry.details[key] == value, entry.details


def test_the_list_names_every_action_the_issue_asks_for():
    asked = {"booking.created", "booking.approved", "booking.rejected", "booking.cancelled",
             "booking.moved", "series.changed", "resource.changed", "organisation.suspended",
             "member.role_changed", "token.created", "token.revoked", "feed.created",
             "feed.revoked", "login.failed"}
    assert asked <= {c.__name__.replace("_", ".", 1) for c in CASES}


def test_a_failed_sign_in_stores_no_password_and_is_committed(app, world):
    with app.app_context():
        accounts.authenticate("nobody@nowhere.org", "Secret-Tried-123")
        accounts.authenticate("t@school.org", "Other-Secret-456")
        db.session.remove()  # another session: only committed rows are seen
        rows = _entries("login.failed")
        assert [(e.actor_email, e.object_id, e.organisation_id, e.details["reason"])
                for e in rows] == [("nobody@nowhere.org", None, None, "unknown_email"),
                                   ("t@school.org", world["teacher"], world["school"],
                                    "wrong_password")]
        text = repr([(e.actor_email, e.details) for e in rows])
        assert "Secret-Tried" not in text and "Other-Secret" not in text


def test_a_rolled_back_change_leaves_no_entry(app, world):
    """A later subscriber refuses the change: the change and its entry go together."""
    def refuse(event):
        raise RuntimeError("refused")

    with app.app_context():
        events.subscribe(app, refuse)
        with pytest.raises(RuntimeError):
            _book(world)
        with pytest.raises(RuntimeError):
            resources.update_resource_fields(_user(world["admin"]), world["lab"], capacity=3,
                                             now=NOW)
        with pytest.raises(RuntimeError):
            api_tokens.create_token(_user(world["teacher"]))
        db.session.rollback()
        assert _entries() == []
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_a_refused_change_leaves_no_entry(app, world):
    with app.app_context():
        first = _book(world)
        with pytest.raises(Conflict):
            _book(world, start=FIRST + timedelta(hours=1))
        with pytest.raises(NotAllowed):
            booking_service.approve_booking(_user(world["teacher"]), first.id, now=NOW)
        assert [e.action for e in _entries()] == ["booking.created"]


def test_a_series_is_one_entry_naming_each_date(app, world):
    with app.app_context():
        series_id = _series(world)
        [entry] = _entries("series.created")
        assert (entry.object_type, entry.object_id) == ("series", series_id)
        assert len(entry.details["bookings"]) == 3
        assert all(b["after"]["status"] == "confirmed" for b in entry.details["bookings"])


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET action = 'x'",
                                       "DELETE FROM audit_entry"])
def test_the_database_refuses_to_change_or_delete_an_entry(app, world, statement):
    with app.app_context():
        api_tokens.create_token(_user(world["teacher"]))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert len(_entries()) == 1


def test_an_entry_outlives_its_person(app, world, make_user):
    """The actor's id and e-mail are copies: no foreign key ties the entry to the person."""
    assert not AuditEntry.__table__.foreign_keys


def test_visibility_platform_admin_all_org_admins_theirs_members_none(app, world):
    with app.app_context():
        _book(world)                                                    # studio + school
        api_tokens.create_token(_user(world["admin"]))                  # studio
        api_tokens.create_token(_user(world["platform"]))               # platform's org
        accounts.authenticate("unknown@x.org", "whatever-it-is")        # nobody's
        every = _entries()
        seen = {}
        for who in ("teacher", "school_admin", "admin", "platform"):
            user = _user(who and world[who])
            by_predicate = {e.id for e in every if can_see_audit_entry(user, e)}
            by_sql = set(db.session.scalars(sa.select(AuditEntry.id)
                                            .where(audit_visible(user))))
            assert by_predicate == by_sql, who
            seen[who] = sorted(e.action for e in every if e.id in by_sql)
        assert seen["teacher"] == []
        assert seen["school_admin"] == ["booking.created"]
        assert seen["admin"] == ["booking.created", "token.created"]
        assert seen["platform"] == sorted(e.action for e in every)
        with pytest.raises(NotAllowed):
            audit.entries(_user(world["teacher"]), audit.AuditFilter(), limit=10)


def test_filters_by_object_person_action_and_time(app, world):
    with app.app_context():
        first = _book(world)
        second = _book(world, start=FIRST + timedelta(days=1))
        booking_service.cancel_booking(_user(world["admin"]), first.id)
        admin = _user(world["platform"])

        def ids(**wanted):
            return [(e.action, e.object_id) for e in audit.entries(
                admin, audit.AuditFilter(**wanted), limit=50)]

        assert ids(object_type="booking", object_id=first.id) == [
            ("booking.cancelled", first.id), ("booking.created", first.id)]
        assert ids(actor_email="A@Studio.org") == [("booking.cancelled", first.id)]
        assert ids(action="booking.created") == [("booking.created", second.id),
                                                 ("booking.created", first.id)]
        now = datetime.now(SHANGHAI)
        assert ids(start=now + timedelta(minutes=5)) == []
        assert len(ids(start=now - timedelta(minutes=5), end=now + timedelta(minutes=5))) == 3


def test_csv_has_a_bom_and_quotes_what_a_spreadsheet_would_run(app, world):
    with app.app_context():
        accounts.authenticate("=HYPERLINK(\"http://evil\")@x.org", "whatever-it-is")
        text = "".join(audit.export_csv(_user(world["platform"]), audit.AuditFilter()))
        assert text.startswith("\ufeffat,actor_id,actor_email,action")
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert rows[1][2] == "'=hyperlink(\"http://evil\")@x.org"
        assert rows[1][3] == "login.failed" and json.loads(rows[1][8]) == {
            "reason": "unknown_email"}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@settings(max_examples=200, deadline=None)
@given(emails=st.lists(st.text(st.characters(exclude_categories=("Cs",))), min_size=1,
                       max_size=5),
       detail=st.text(st.characters(exclude_categories=("Cs",))))
def test_csv_gives_back_every_value_and_never_a_formula(emails, detail):
    """Whatever was typed (a failed sign-in's e-mail is anything), a CSV reader gets it back,
    with a leading ' exactly where a spreadsheet would otherwise start a formula."""
    entries = [AuditEntry(at=utc(2027, 1, 4), actor_id=None, actor_email=email,
                          action="login.failed", object_type="person", object_id=None,
                          organisation_id=None, other_organisation_id=None,
                          details={"reason": detail}) for email in emails]
    text = "".join(audit._csv_chunks(entries))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert len(rows) == len(emails) + 1
    for row, email in zip(rows[1:], emails):
        assert row[2] == ("'" + email if email.startswith(FORMULA_STARTS) else email)
        assert json.loads(row[8]) == {"reason": detail}
        assert all(not cell.startswith(FORMULA_STARTS) for cell in row)
