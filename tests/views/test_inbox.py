"""The inbox page, the counts on the menu, and the choice of mails and reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from booking.extensions import db
from booking.models import NotificationSetting
from booking.services import bookings
from booking.services.bookings import BookingRequest
from tests.notifications.conftest import person, soon, world  # noqa: F401 - fixture


def _request(app, w, title="Dance capture"):
    with app.app_context():
        return bookings.create_booking(person(w.teacher), BookingRequest(
            w.studio, soon(), soon() + timedelta(hours=2), title=title)).id


def test_the_approver_sees_counts_and_the_request_in_the_inbox(app, world, client, auth):
    _request(app, world)
    auth.login("admin@enterprise.example")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'Inbox <span class="badge[^"]*">1<span class="visually-hidden"> unread',
                     home)
    assert re.search(r'Requests <span class="badge[^"]*">1<span class="visually-hidden"> '
                     r'waiting', home)
    page = client.get("/inbox").get_data(as_text=True)
    assert "Tom Teacher asks to book Motion-capture studio" in page
    assert "1 request awaits your decision." in page
    assert "Purpose: Dance capture" in page
    response = client.post("/inbox/read")
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "unread" not in home
    assert "New</span>" not in client.get("/inbox").get_data(as_text=True)


def test_opening_an_entry_marks_it_read_and_follows_its_link(app, world, client, auth):
    booking_id = _request(app, world)
    with app.app_context():
        bookings.approve_booking(person(world.admin), booking_id)
    auth.login("teacher@school.example")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Ada Admin approved your booking of Motion-capture studio." in page
    note_id = re.search(r'/inbox/(\d+)/open', page).group(1)
    assert f'name="next" value="/bookings/{booking_id}"' in page
    response = client.post(f"/inbox/{note_id}/open", data={"next": f"/bookings/{booking_id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bookings/{booking_id}"
    elsewhere = client.post(f"/inbox/{note_id}/open", data={"next": "https://evil.example/"})
    assert elsewhere.headers["Location"] == "/inbox"
    assert "unread" not in client.get("/").get_data(as_text=True)


def test_nobody_marks_another_persons_entry_read(app, world, client, auth):
    _request(app, world)
    auth.login("teacher@school.example")
    assert client.post("/inbox/1/open").status_code == 302
    auth.logout()
    auth.login("admin@enterprise.example")
    assert "1<span class=\"visually-hidden\"> unread" in client.get("/").get_data(as_text=True)


def test_the_inbox_in_chinese(app, world, client, auth):
    _request(app, world)
    with app.app_context():
        person(world.admin).locale = "zh"
        db.session.commit()
    auth.login("admin@enterprise.example")
    page = client.get("/inbox").get_data(as_text=True)
    assert "收件箱" in page and "申请预订" in page


def test_settings_switch_mails_off_and_choose_the_reminder(app, world, client, auth):
    auth.login("teacher@school.example")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'value="1440" checked' in page or 'checked value="1440"' in page or \
        re.search(r'<input checked[^>]*value="1440"', page)
    response = client.post("/account/notifications", data={
        "reminder": "60", "mail_approved": "y", "mail_cancelled": "y"})
    assert response.status_code == 302
    with app.app_context():
        setting = db.session.get(NotificationSetting, world.teacher)
        assert setting.reminder_minutes == 60
        assert set(setting.muted) == {"rejected", "moved", "booked", "reminder"}
    client.post("/account/notifications", data={"reminder": ""})
    with app.app_context():
        assert db.session.get(NotificationSetting, world.teacher).reminder_minutes is None
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "request" not in re.findall(r'name="mail_(\w+)"', page)


def test_a_bad_reminder_choice_is_refused_and_nothing_changes(app, world, client, auth):
    auth.login("teacher@school.example")
    response = client.post("/account/notifications", data={"reminder": "5"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            NotificationSetting)) == 0


def test_the_inbox_needs_a_sign_in(client):
    assert client.get("/inbox").status_code == 302
    assert client.get("/account/notifications").status_code == 302
