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
