"""Terms (the platform admin's) and holidays (each member's, typed or from an .ics file)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Holiday, Term
from tests.conftest import PASSWORD


@pytest.fixture
def world(make_org, make_user):
    chair, school = make_org("Chair"), make_org("Harbour School")
    make_user("root@chair.org", chair, role="platform_admin")
    make_user("admin@school.org", school, role="org_admin")
    make_user("t@school.org", school)
    return {"school": school}


def sign_in(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD})


def _terms(app):
    with app.app_context():
        return [(t.name, t.first_day, t.last_day) for t in db.session.scalars(sa.select(Term))]


def _holidays(app):
    with app.app_context():
        return [(h.organisation_id, h.first_day, h.last_day, h.name)
                for h in db.session.scalars(sa.select(Holiday).order_by(Holiday.first_day))]


def test_the_platform_admin_adds_a_term(app, client, world):
    sign_in(client, "root@chair.org")
    answer = client.post("/admin/terms", data={"name": "2026–27 autumn term",
                                               "first_day": "2026-09-01",
                                               "last_day": "2027-01-22"})
    assert answer.status_code == 302
    assert _terms(app) == [("2026–27 autumn term", date(2026, 9, 1), date(2027, 1, 22))]
    assert "2026–27 autumn term" in client.get("/admin/terms").get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"name": "", "first_day": "2026-09-01", "last_day": "2027-01-22"},
    {"name": "T", "first_day": "2026-09-31", "last_day": "2027-01-22"},
    {"name": "T", "first_day": "2027-09-01", "last_day": "2027-01-22"},
    {"name": "T" * 300, "first_day": "2026-09-01", "last_day": "2027-01-22"},
    {"name": "T", "first_day": "2026-09-01", "last_day": "2046-01-22"}])
def test_a_wrong_term_is_said_and_nothing_is_stored(app, client, world, data):
    sign_in(client, "root@chair.org")
    assert client.post("/admin/terms", data=data).status_code == 422
    assert _terms(app) == []


def test_org_admins_cannot_add_terms_and_members_see_nothing(app, client, world):
    sign_in(client, "admin@school.org")
    answer = client.post("/admin/terms", data={"name": "T", "first_day": "2026-09-01",
                                               "last_day": "2027-01-22"})
    assert answer.status_code == 403 and _terms(app) == []
    client.post("/logout")
    sign_in(client, "t@school.org")
    assert client.get("/admin/terms").status_code == 403


def test_members_add_their_holidays_inside_the_term_typed_or_from_ics(app, client, world):
    with app.app_context():
        db.session.add(Term(name="Autumn", first_day=date(2026, 9, 1),
                            last_day=date(2027, 1, 22)))
        db.session.commit()
    sign_in(client, "admin@school.org")
    assert client.post("/admin/terms/1/holidays", data={
        "name": "National Day", "first_day": "2026-10-01",
        "last_day": "2026-10-07"}).status_code == 302
    assert client.post("/admin/terms/1/holidays", data={
        "name": "Summer", "first_day": "2027-07-01", "last_day": "2027-07-02"}).status_code == 422
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
           b"BEGIN:VEVENT\r\nUID:1@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261225\r\n"
           b"DTEND;VALUE=DATE:20261226\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n"
           b"BEGIN:VEVENT\r\nUID:2@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\n"
           b"DTEND;VALUE=DATE:20270104\r\nSUMMARY:New Year\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    answer = client.post("/admin/terms/1/holidays/import",
                         data={"file": (io.BytesIO(ics), "school.ics")},
                         content_type="multipart/form-data")
    assert answer.status_code == 302
    assert _holidays(app) == [
        (world["school"], date(2026, 10, 1), date(2026, 10, 7), "National Day"),
        (world["school"], date(2026, 12, 25), date(2026, 12, 25), "Christmas"),
        (world["school"], date(2027, 1, 1), date(2027, 1, 3), "New Year")]
    again = client.post("/admin/terms/1/holidays/import",
                        data={"file": (io.BytesIO(ics), "school.ics")},
                        content_type="multipart/form-data")
    assert again.status_code == 302 and len(_holidays(app)) == 3  # not doubled
