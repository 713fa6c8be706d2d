"""The public address: links and UIDs from configuration, never from the request's Host header."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import icalendar
import pytest

from booking import create_app
from booking.extensions import db
from booking.models import Booking, User
from booking.services import feeds as feed_service


@pytest.fixture
def feed(app, make_org, make_user, make_resource, make_booking):
    """A person's feed with one booking; returns (token, booking id, booking uid)."""
    school = make_org("School")
    teacher = make_user("teacher@school.org", school)
    lab = make_resource(make_org("Studio", "enterprise"), name="Lab")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)
    booking_id = make_booking(lab, teacher, start, start + timedelta(hours=1))
    with app.app_context():
        _feed, token = feed_service.create_feed(db.session.get(User, teacher), "me")
        return token, booking_id, db.session.get(Booking, booking_id).uid


def the_event(body: bytes) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    return event


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:5000", "evil.example.com", "[::1]",
                                  "bad host", "", ":80", "@"])
def test_uids_and_links_do_not_depend_on_the_host_header(client, feed, host):
    token, booking_id, uid = feed
    plain = client.get(f"/feeds/{token}.ics")
    other = client.get(f"/feeds/{token}.ics", headers={"Host": host})
    assert other.status_code == 200
    assert other.data == plain.data
    event = the_event(other.data)
    assert str(event["UID"]) == f"booking-{uid}@localhost"  # the safe local default
    assert str(event["URL"]) == f"http://localhost:5000/bookings/{booking_id}"


def test_public_url_names_links_uids_and_feed_addresses(app, client, auth, feed):
    token, booking_id, uid = feed
    app.config["PUBLIC_URL"] = "https://Booking.Example.org/app/"
    event = the_event(client.get(f"/feeds/{token}.ics", headers={"Host": "10.0.0.7"}).data)
    # The UID a site reached as booking.example.org had before: calendars keep their events.
    assert str(event["UID"]) == f"booking-{uid}@booking.example.org"
    assert str(event["URL"]) == f"https://booking.example.org/app/bookings/{booking_id}"
    assert f"https://booking.example.org/app/bookings/{booking_id}" in str(event["DESCRIPTION"])
    auth.login("teacher@school.org")
    page = client.post("/feeds/", data={"scope": "organisation"})
    assert re.search(rb'value="https://booking.example.org/app/feeds/[A-Za-z0-9_-]{43}\.ics"',
                     page.data)
    assert re.search(rb'value="webcal://booking.example.org/app/feeds/[A-Za-z0-9_-]{43}\.ics"',
                     page.data)
    download = client.get(f"/bookings/{booking_id}.ics")
    assert str(the_event(download.data)["UID"]) == f"booking-{uid}@booking.example.org"


def test_api_gives_the_public_feed_address(app, client, feed):
    app.config["PUBLIC_URL"] = "https://booking.example.org"
    token = client.post("/api/v1/tokens", json={"email": "teacher@school.org",
                                                "password": "correct horse battery"}).json
    response = client.post("/api/v1/feeds", json={"scope": "organisation"},
                           headers={"Authorization": f"Bearer {token['token']}",
                                    "Host": "127.0.0.1"})
    assert response.status_code == 201
    assert re.fullmatch(r"https://booking\.example\.org/feeds/[A-Za-z0-9_-]{43}\.ics",
                        response.json["url"])


def test_ical_uid_domain_still_names_uids(app, client, feed):
    token, _booking_id, uid = feed
    app.config.update(ICAL_UID_DOMAIN="calendar.example.org", PUBLIC_URL="https://x.example.org")
    assert str(the_event(client.get(f"/feeds/{token}.ics").data)["UID"]) == \
        f"booking-{uid}@calendar.example.org"


def test_server_name_is_the_fallback(app, client, feed):
    token, booking_id, uid = feed
    app.config.update(SERVER_NAME="booking.example.org", PREFERRED_URL_SCHEME="https")
    event = the_event(client.get(f"/feeds/{token}.ics",
                                 base_url="https://booking.example.org").data)
    assert str(event["UID"]) == f"booking-{uid}@booking.example.org"
    assert str(event["URL"]) == f"https://booking.example.org/bookings/{booking_id}"


@pytest.mark.parametrize("address", ["booking.example.org", "ftp://booking.example.org",
                                     "https://", "https://bad host.org", "https://x.org/?a=1",
                                     "https://user:pw@x.org", "https://x.org:99999"])
def test_a_malformed_public_url_stops_the_app(address):
    with pytest.raises(ValueError, match="PUBLIC_URL must be an http"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "PUBLIC_URL": address})


def test_public_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("PUBLIC_URL", "https://booking.example.org")
    assert create_app().config["PUBLIC_URL"] == "https://booking.example.org"
