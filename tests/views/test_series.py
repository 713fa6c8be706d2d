"""Series pages: preview every date, book, then handle the series as one or date by date."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, BookingStatus
from tests.views.test_bookings import local, next_tuesday_at


def _form(resource_id, start, **extra):
    return {"resource_id": resource_id, "start": local(start),
            "end": local(start + timedelta(hours=2)), "title": "Weekly lab", "freq": "weekly",
            "interval": "1", "count": "4", "on_conflict": "fail", "closures": "report", **extra}


def _statuses(app):
    with app.app_context():
        return [b.status for b in db.session.scalars(sa.select(Booking).order_by(Booking.start_at))]


def test_preview_then_book_all_then_cancel_following(app, client, auth, make_org, make_user,
                                                     make_resource, make_booking):
    make_user("t@school.org", make_org())
    lab = make_resource(name="Lab")
    start = next_tuesday_at(14)
    auth.login("t@school.org")
    preview = client.post("/series/new", data=_form(lab, start))
    assert preview.status_code == 200 and b"4 of 4 dates are free" in preview.data
    assert _statuses(app) == []  # a preview books nothing
    booked = client.post("/series/new", data=_form(lab, start, action="book"))
    series_url = booked.headers["Location"]
    assert "/series/" in series_url and _statuses(app) == [BookingStatus.CONFIRMED] * 4
    with app.app_context():
        third = db.session.scalars(sa.select(Booking.id).order_by(Booking.start_at)).all()[2]
    series_id = int(series_url.rsplit("/", 1)[1])
    client.post(f"/series/{series_id}/cancel", data={"from_booking_id": third})
    assert _statuses(app) == [BookingStatus.CONFIRMED] * 2 + [BookingStatus.CANCELLED] * 2
    assert b"Cancel the whole series" in client.get(series_url).data


def test_a_clash_refuses_the_whole_series_unless_asked(app, client, auth, make_org, make_user,
                                                       make_resource, make_booking):
    school = make_org()
    teacher = make_user("t@school.org", school)
    lab = make_resource(name="Lab")
    start = next_tuesday_at(14)
    clash = start + timedelta(weeks=1)
    make_booking(lab, teacher, clash.replace(tzinfo=ZoneInfo("Asia/Shanghai")),
                 (clash + timedelta(hours=1)).replace(tzinfo=ZoneInfo("Asia/Shanghai")))
    auth.login("t@school.org")
    refused = client.post("/series/new", data=_form(lab, start, action="book"))
    assert refused.status_code == 409 and b"You have already booked" in refused.data
    assert len(_statuses(app)) == 1
    client.post("/series/new", data=_form(lab, start, action="book", on_conflict="skip"))
    assert _statuses(app).count(BookingStatus.CONFIRMED) == 4  # the clash + 3 free dates


def test_bad_patterns_are_form_errors(app, client, auth, make_org, make_user, make_resource):
    make_user("t@school.org", make_org())
    lab = make_resource()
    auth.login("t@school.org")
    start = next_tuesday_at(14)
    for extra in ({"count": ""}, {"count": "5000"}, {"skip": "next tuesday"},
                  {"until": (start + timedelta(days=1000)).date().isoformat(), "count": ""},
                  {"freq": "hourly"}, {"interval": "0"}):
        response = client.post("/series/new", data=_form(lab, start, action="book", **extra))
        assert response.status_code == 422, extra
    assert _statuses(app) == []


def test_dates_out_of_range_are_field_errors_not_500s(app, client, auth, make_org, make_user,
                                                      make_resource):
    """Issue 10: a year-1 date typed into the series form was a 500."""
    make_user("t@school.org", make_org())
    lab = make_resource()
    auth.login("t@school.org")
    start = next_tuesday_at(14)
    for extra in ({"start": "0001-01-01T00:00"}, {"until": "0001-01-01", "count": ""},
                  {"skip": "0001-01-01"}, {"until": "9999-12-31", "count": ""}):
        for action in ("preview", "book"):
            data = {**_form(lab, start, action=action), **extra}
            response = client.post("/series/new", data=data)
            assert response.status_code == 422, extra
            assert "between 2000 and 2100" in response.get_data(as_text=True), extra
    assert _statuses(app) == []


def test_an_interval_has_the_same_limit_as_in_the_api(app, client, auth, make_org, make_user,
                                                      make_resource):
    make_user("t@school.org", make_org())
    lab = make_resource()
    auth.login("t@school.org")
    start = next_tuesday_at(14)
    too_many = client.post("/series/new", data=_form(lab, start, interval="367", count="1"))
    assert too_many.status_code == 422
    yearly = client.post("/series/new", data=_form(lab, start, interval="53", count="2",
                                                   action="book"))
    assert yearly.status_code == 302  # refused at 52 before; the API took up to 366
    assert _statuses(app) == [BookingStatus.CONFIRMED] * 2


def test_a_stretched_series_blocks_its_new_time_and_asks_the_owner_again(
        app, client, auth, make_org, make_user, make_resource):
    """Issue 10 on the pages: the edit form stretched 14:00-16:00 to 14:00-20:00; another
    person then booked 18:00 on the same day, and the dates stayed confirmed."""
    studio = make_org("Studio", "enterprise")
    make_user("admin@studio.org", studio, role="org_admin")
    make_user("t@school.org", make_org("School"))
    make_user("r@other.org", make_org("Other"))
    booth = make_resource(studio, name="Booth", approval_required=True)
    start = next_tuesday_at(14)
    auth.login("t@school.org")
    series_url = client.post("/series/new", data=_form(booth, start, action="book")
                             ).headers["Location"]
    series_id = int(series_url.rsplit("/", 1)[1])
    auth.logout()
    auth.login("admin@studio.org")
    client.post(f"/series/{series_id}/approve")
    assert _statuses(app) == [BookingStatus.CONFIRMED] * 4
    auth.logout()
    auth.login("t@school.org")
    client.post(f"/series/{series_id}/edit", data={"title": "Weekly lab", "start_time": "14:00",
                                                  "end_time": "20:00"})
    assert _statuses(app) == [BookingStatus.PENDING] * 4
    auth.logout()
    auth.login("r@other.org")
    evening = start.replace(hour=18)
    refused = client.post("/bookings/new", data={
        "resource_id": booth, "start": local(evening),
        "end": local(evening + timedelta(hours=1)), "title": "Evening"})
    assert refused.status_code == 409 and len(_statuses(app)) == 4
