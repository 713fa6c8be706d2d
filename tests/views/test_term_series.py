"""Every Tuesday this term, leaving out the booking organisation's holidays (shown as skipped)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, Holiday, Term
from tests.conftest import PASSWORD


@pytest.fixture
def world(app, make_org, make_user, make_resource):
    owner, school, other = make_org("Base"), make_org("School"), make_org("Other")
    make_user("t@school.org", school)
    lab = make_resource(owner, name="Lab")
    with app.app_context():
        term = Term(name="Autumn", first_day=date(2031, 9, 1), last_day=date(2031, 10, 31))
        term.holidays = [
            Holiday(organisation_id=school, first_day=date(2031, 10, 1),
                    last_day=date(2031, 10, 7), name="National Day"),
            Holiday(organisation_id=other, first_day=date(2031, 9, 9),
                    last_day=date(2031, 9, 9), name="Not ours")]
        db.session.add(term)
        db.session.commit()
    return {"lab": lab}


def form(lab, **extra):
    return {"resource_id": lab, "start": "2031-09-02T14:00", "end": "2031-09-02T16:00",
            "freq": "weekly", "interval": 1, "term": "1", "on_conflict": "fail",
            "closures": "report", **extra}


def test_every_tuesday_this_term_skips_our_holidays_in_the_preview_and_the_booking(
        app, client, world):
    client.post("/login", data={"email": "t@school.org", "password": PASSWORD})
    preview = client.post("/series/new", data=form(world["lab"]))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Skipped: holiday" in text and "National Day" in text and "Not ours" not in text
    booked = client.post("/series/new", data=form(world["lab"], action="book"))
    assert booked.status_code == 302
    with app.app_context():
        days = [b.start_at.date() for b in db.session.scalars(
            sa.select(Booking).order_by(Booking.start_at))]
    # Tuesdays from 2 Sep to 28 Oct 2031, without 7 Oct (National Day week).
    assert days == [date(2031, 9, 2), date(2031, 9, 9), date(2031, 9, 16), date(2031, 9, 23),
                    date(2031, 9, 30), date(2031, 10, 14), date(2031, 10, 21),
                    date(2031, 10, 28)]


@pytest.mark.parametrize("extra", [{"term": "7"}, {"until": "2031-10-01"},
                                   {"start": "2031-12-02T14:00", "end": "2031-12-02T16:00"}])
def test_a_wrong_term_is_said(client, world, extra):
    client.post("/login", data={"email": "t@school.org", "password": PASSWORD})
    answer = client.post("/series/new", data=form(world["lab"], **extra))
    assert answer.status_code == 422


def test_the_api_books_until_the_end_of_the_term_without_our_holidays(app, client, world):
    from booking.models import User
    from booking.services.api_tokens import create_token
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="t@school.org"))
        headers = {"Authorization": f"Bearer {create_token(user)[1]}"}
    body = {"resource_id": world["lab"], "start": "2031-09-02T14:00", "end": "2031-09-02T16:00",
            "repeat": {"freq": "weekly", "term_id": 1}}
    preview = client.post("/api/v1/bookings", headers=headers, json={**body, "dry_run": True})
    assert preview.status_code == 200
    assert len(preview.json["occurrences"]) == 8
    assert preview.json["holidays"] == [{"date": "2031-10-07", "name": "National Day"}]
    assert client.post("/api/v1/bookings", headers=headers, json={
        **body, "repeat": {"freq": "weekly", "term_id": 1, "count": 3}}).status_code == 422
    assert client.post("/api/v1/bookings", headers=headers, json={
        **body, "repeat": {"freq": "weekly", "term_id": 9}}).status_code == 422
    assert client.post("/api/v1/bookings", headers=headers, json=body).status_code == 201
