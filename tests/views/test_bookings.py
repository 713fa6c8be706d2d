"""Booking pages: book from a form, see refusals with alternatives, cancel, decide."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, BookingStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_tuesday_at(hour: int) -> datetime:
    """A local wall-clock time safely in the future (computed when the test runs)."""
    today = datetime.now(SHANGHAI).date()
    days = (1 - today.weekday()) % 7 + 7
    return datetime.combine(today + timedelta(days=days), datetime.min.time()).replace(hour=hour)


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def studio(make_org, make_user):
    """The enterprise that owns the resources, with its admin; a school with two teachers."""
    school, studio = make_org("Vocational School"), make_org("Studio", "enterprise")
    make_user("teacher@school.org", school)
    make_user("colleague@school.org", school)
    make_user("admin@studio.org", studio, role="org_admin")
    make_user("outsider@other.org")
    return studio


@pytest.fixture
def lab(make_resource, studio):
    return make_resource(studio, name="Motion-capture studio")


def _form(resource_id, start, end, **extra):
    return {"resource_id": resource_id, "start": local(start), "end": local(end),
            "title": "Animation class", **extra}


def _bookings():
    return db.session.scalars(sa.select(Booking).order_by(Booking.id)).all()


def test_form_is_prefilled_from_the_link(client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(14)
    page = client.get(f"/bookings/new?resource_id={lab}&start={local(start)}"
                      f"&end={local(start + timedelta(hours=2))}")
    assert page.status_code == 200
    assert local(start).encode() in page.data and b"Motion-capture studio" in page.data


def test_book_and_see_it_in_my_bookings(app, client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(14)
    response = client.post("/bookings/new", data=_form(lab, start, start + timedelta(hours=2)))
    with app.app_context():
        booking, = _bookings()
        assert booking.status is BookingStatus.CONFIRMED
        assert booking.start_at == start.replace(tzinfo=SHANGHAI)
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}")
    assert b"Animation class" in client.get("/bookings/").data


def test_refusal_shows_reasons_and_bookable_alternatives(app, client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(14)
    client.post("/bookings/new", data=_form(lab, start, start + timedelta(hours=2)))
    clash = client.post("/bookings/new", data=_form(lab, start + timedelta(hours=1),
                                                    start + timedelta(hours=3)))
    assert clash.status_code == 409
    assert b"You have already booked" in clash.data and b"alternative" in clash.data
    with app.app_context():
        assert len(_bookings()) == 1
    # The first alternative is one click away and books.
    later = start + timedelta(hours=2)
    assert local(later).encode() in clash.data
    booked = client.post("/bookings/new", data=_form(lab, later, later + timedelta(hours=2)))
    assert booked.status_code in (302, 303)


def test_refusal_from_the_calendar_goes_back_there(client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(14)
    client.post("/bookings/new", data=_form(lab, start, start + timedelta(hours=2)))
    back = f"/resources/{lab}/calendar"
    response = client.post("/bookings/new", data=_form(lab, start, start + timedelta(hours=1),
                                                       next=back))
    assert response.headers["Location"] == back
    with client.session_transaction() as session:
        refusal = session["refusal"]
    assert refusal["resource_id"] == lab and refusal["messages"] and refusal["alternatives"]


def test_bad_input_is_a_form_error_and_stores_nothing(app, client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(14)
    for data in (_form(lab, start, start - timedelta(hours=1)),
                 {**_form(lab, start, start), "start": "not a date"},
                 _form(lab, start, start + timedelta(hours=1), quantity="0"),
                 _form(lab, start.replace(year=9999), start.replace(year=9999) + timedelta(hours=1))):
        response = client.post("/bookings/new", data=data)
        assert response.status_code == 422, data
    with app.app_context():
        assert _bookings() == []


def test_unknown_and_unshared_resources(client, auth, make_resource, make_org, lab):
    auth.login("teacher@school.org")
    private = make_resource(make_org(kind="enterprise"), open_to_all=False)
    assert client.get("/bookings/new?resource_id=999999").status_code == 404
    assert client.get("/bookings/new?resource_id=abc").status_code == 404
    assert client.get("/bookings/new?resource_id=99999999999999").status_code == 404
    assert client.get(f"/bookings/new?resource_id={private}").status_code == 404


def test_other_organisations_see_busy_not_the_purpose(client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(10)
    client.post("/bookings/new", data=_form(lab, start, start + timedelta(hours=1),
                                            title="Secret exam prep"))
    auth.logout()
    auth.login("outsider@other.org")
    page = client.get("/bookings/1")
    assert b"Secret exam prep" not in page.data and b"Busy" in page.data
    auth.logout()
    auth.login("admin@studio.org")
    assert b"Secret exam prep" in client.get("/bookings/1").data


def test_cancel_needs_confirmation_and_permission(app, client, auth, lab):
    auth.login("teacher@school.org")
    start = next_tuesday_at(9)
    client.post("/bookings/new", data=_form(lab, start, start + timedelta(hours=1)))
    auth.logout()
    auth.login("colleague@school.org")
    assert client.post("/bookings/1/cancel").status_code == 403
    auth.logout()
    auth.login("teacher@school.org")
    confirm = client.get("/bookings/1/cancel")
    assert b"Yes, cancel it" in confirm.data
    with app.app_context():
        assert _bookings()[0].status is BookingStatus.CONFIRMED
    client.post("/bookings/1/cancel")
    with app.app_context():
        assert _bookings()[0].status is BookingStatus.CANCELLED


def test_requests_queue_approve_and_reject(app, client, auth, make_resource, studio):
    needs_approval = make_resource(studio, name="Sound booth", approval_required=True)
    auth.login("teacher@school.org")
    start = next_tuesday_at(10)
    client.post("/bookings/new", data=_form(needs_approval, start, start + timedelta(hours=1)))
    client.post("/bookings/new", data=_form(needs_approval, start + timedelta(days=1),
                                            start + timedelta(days=1, hours=1)))
    assert client.get("/bookings/requests").status_code == 403  # members have no queue
    auth.logout()
    auth.login("admin@studio.org")
    queue = client.get("/bookings/requests")
    assert queue.status_code == 200 and queue.data.count(b"Approve") >= 2
    client.post("/bookings/1/approve")
    client.post("/bookings/2/reject", data={"reason": "Booth is being repaired"})
    with app.app_context():
        first, second = _bookings()
        assert first.status is BookingStatus.CONFIRMED
        assert second.status is BookingStatus.REJECTED
    auth.logout()
    auth.login("teacher@school.org")
    assert b"Booth is being repaired" in client.get("/bookings/2").data


def test_pages_need_login(client, lab):
    response = client.get("/bookings/")
    assert "/login" in response.headers["Location"]


def test_a_year_one_date_is_a_field_error_not_a_500(app, client, auth, lab):
    """Issue 10: 0001-01-01 overflowed converting to UTC."""
    auth.login("teacher@school.org")
    for field in ("start", "end"):
        data = {**_form(lab, next_tuesday_at(14), next_tuesday_at(15)), field: "0001-01-01T00:00"}
        response = client.post("/bookings/new", data=data)
        assert response.status_code == 422
        assert "Pick a date between 2000 and 2100." in response.get_data(as_text=True)
    with app.app_context():
        assert _bookings() == []
