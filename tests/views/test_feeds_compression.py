"""Feeds are gzip-compressed for clients that accept it, with their own ETag, and plain otherwise."""

from __future__ import annotations

import gzip
import threading
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.serving import make_server

from booking.extensions import db
from booking.models import User
from booking.services import feeds as feed_service
from tests.test_ical import run_ics_check


@pytest.fixture
def url(app, make_org, make_user, make_resource, make_booking) -> str:
    """A resource feed with sixty bookings, enough text to be worth compressing."""
    studio = make_org("Studio", "enterprise")
    admin = make_user("admin@studio.org", studio, role="org_admin")
    lab = make_resource(studio, name="Lab 3, 实验室", location="Building 2",
                        timezone="Europe/Berlin")
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    for day in range(60):
        begin = start + timedelta(days=day - 20)
        make_booking(lab, admin, begin, begin + timedelta(hours=2), title=f"Lesson {day}, 三维")
    with app.app_context():
        _feed, token = feed_service.create_feed(db.session.get(User, admin), "resource", lab)
    return f"/feeds/{token}.ics"


def test_gzip_when_asked_for_plain_otherwise(client, url):
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    for response in (plain, packed):
        assert "Accept-Encoding" in response.vary
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) * 4 < len(plain.data)
    # Another representation, another strong ETag (RFC 9110 §8.8.3.3).
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert not packed.headers["ETag"].startswith("W/")
    assert packed.last_modified == plain.last_modified
    again = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert (again.data, again.headers["ETag"]) == (packed.data, packed.headers["ETag"])


ACCEPT_ENCODINGS = [
    ("gzip", "gzip"), ("x-gzip", "gzip"), ("*", "gzip"), ("br;q=1, gzip;q=0.5", "gzip"),
    ("GZIP", "gzip"), ("identity", None), ("gzip;q=0", None), ("gzip;q=0, *", None),
    ("deflate, br", None), ("", None), ("garbage;;;", None),
]


def test_accept_encoding_is_read_as_rfc_9110_says(client, url):
    for accept, coding in ACCEPT_ENCODINGS:
        response = client.get(url, headers={"Accept-Encoding": accept})
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == coding, accept


def test_each_encoding_validates_only_its_own_etag(client, url):
    plain = client.get(url).headers["ETag"]
    packed = client.get(url, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    cases = [({"If-None-Match": packed, "Accept-Encoding": "gzip"}, 304, packed),
             ({"If-None-Match": plain}, 304, plain),
             # A cache holding the plain body cannot use a 304 about the gzip one.
             ({"If-None-Match": plain, "Accept-Encoding": "gzip"}, 200, packed),
             ({"If-None-Match": packed}, 200, plain)]
    for headers, status, etag in cases:
        response = client.get(url, headers=headers)
        assert (response.status_code, response.headers["ETag"]) == (status, etag), headers
        assert "Accept-Encoding" in response.vary
        if status == 304:
            assert response.data == b"" and "Content-Encoding" not in response.headers


def test_a_real_client_gets_a_smaller_feed_that_checks_out(app, url, tmp_path):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        address = f"http://127.0.0.1:{server.server_port}{url}"
        request = urllib.request.Request(address, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            packed = response.read()
            assert int(response.headers["Content-Length"]) == len(packed)
        with urllib.request.urlopen(address, timeout=30) as response:
            plain = response.read()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert gzip.decompress(packed) == plain
    path = tmp_path / "feed.ics"
    path.write_bytes(gzip.decompress(packed))
    run_ics_check(path)
