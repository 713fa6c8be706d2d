"""Feeds over HTTP: tokens, caching headers, privacy, status changes, the pages, the import."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import icalendar
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from booking.extensions import db
from booking.models import Booking, CalendarFeed, Closure, User
from booking.services import bookings as booking_service
from booking.services import feeds as feed_service
from tests.conftest import utc
from tests.test_ical import run_ics_check

FROZEN_NOW = utc(2027, 1, 10, 12)  # the 2027 changes of Berlin's clocks are inside the window


def soon(days: float, hour: int = 8) -> datetime:
    """A time *days* from the real now, on the hour (the booking service checks real time)."""
    today = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return today.replace(hour=hour) + timedelta(days=days)


@pytest.fixture
def world(make_org, make_user, make_resource):
    school, studio, other = (make_org("School"), make_org("Studio", "enterprise"),
                             make_org("Elsewhere"))
    return {
        "school": school, "studio": studio,
        "teacher": make_user("teacher@school.org", school, name="Wang Fang"),
        "school_admin": make_user("office@school.org", school, role="org_admin"),
        "studio_admin": make_user("admin@studio.org", studio, role="org_admin"),
        "outsider": make_user("someone@elsewhere.org", other),
        "lab": make_resource(studio, name="Lab 3, 实验室; A\\B", location="Building 2\nFloor 5",
                             timezone="Europe/Berlin"),
        "approval_lab": make_resource(studio, name="Approval lab", approval_required=True),
    }


@pytest.fixture
def frozen(monkeypatch):
    """Serve feeds as if it were FROZEN_NOW."""
    monkeypatch.setattr("booking.views.feeds.utcnow", lambda: FROZEN_NOW)


def make_feed(app, user_id: int, scope: str = "me", resource_id: int | None = None) -> str:
    with app.app_context():
        _feed, token = feed_service.create_feed(db.session.get(User, user_id), scope, resource_id)
        return token


def events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["SUMMARY"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


@pytest.fixture
def rich_feed(app, world, make_booking, make_resource, frozen):
    """A person's feed: Unicode, punctuation, newlines, both 2027 DST changes, a cancellation."""
    lab, teacher = world["lab"], world["teacher"]
    make_booking(lab, teacher, utc(2027, 2, 1, 8), utc(2027, 2, 1, 10), title="三维动画课：第一周")
    make_booking(lab, teacher, utc(2027, 2, 2, 8), utc(2027, 2, 2, 10),
                 title="Physics, lab; part \\2\nsecond line")
    # 01:30 CET to 04:30 CEST on 28 March; 01:30 CEST to 03:30 CET on 31 October.
    make_booking(lab, teacher, utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 30),
                 title="Spring forward")
    make_booking(lab, teacher, utc(2027, 10, 30, 23, 30), utc(2027, 10, 31, 2, 30),
                 title="Fall back")
    # Another room: PostgreSQL refuses overlapping bookings of one room, even in tests.
    second_lab = make_resource(world["studio"], name="Lab 4", timezone="Europe/Berlin")
    make_booking(second_lab, teacher, utc(2027, 10, 31, 1, 15), utc(2027, 10, 31, 1, 45),
                 title="Repeated hour")
    cancelled = make_booking(lab, teacher, utc(2027, 2, 3, 8), utc(2027, 2, 3, 9),
                             title="Called off", status="cancelled")
    with app.app_context():
        db.session.execute(sa.update(Booking).where(Booking.id == cancelled)
                           .values(updated_at=FROZEN_NOW - timedelta(days=1), sequence=1))
        db.session.commit()
    return make_feed(app, teacher)


def test_feed_is_served_with_the_right_headers(client, rich_feed):
    response = client.get(f"/feeds/{rich_feed}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'
    assert "Set-Cookie" not in response.headers
    assert "private" in response.headers["Cache-Control"]
    found = events(response.data)
    assert set(found) == {"Lab 3, 实验室; A\\B: 三维动画课：第一周",
                          "Lab 3, 实验室; A\\B: Physics, lab; part \\2 second line",
                          "Lab 3, 实验室; A\\B: Spring forward", "Lab 3, 实验室; A\\B: Fall back",
                          "Lab 4: Repeated hour",
                          "Cancelled: Lab 3, 实验室; A\\B: Called off"}
    cancelled = found["Cancelled: Lab 3, 实验室; A\\B: Called off"]
    assert (str(cancelled["STATUS"]), cancelled["SEQUENCE"]) == ("CANCELLED", 1)
    fall = found["Lab 3, 实验室; A\\B: Fall back"]
    assert fall["DTSTART"].to_ical() == b"20271031T013000"
    assert fall["DTEND"].to_ical() == b"20271031T033000"
    # Last-Modified is the newest change among the bookings, not the time of the request.
    assert response.last_modified < FROZEN_NOW
    assert "?" not in response.headers["Last-Modified"]


def test_feed_body_passes_ics_check(client, rich_feed, tmp_path):
    path = tmp_path / "feed.ics"
    path.write_bytes(client.get(f"/feeds/{rich_feed}.ics").data)
    run_ics_check(path)


def test_conditional_requests(client, rich_feed):
    url = f"/feeds/{rich_feed}.ics"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    cases = [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"other", {etag}'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"something-else"'}, 200),
        ({"If-Modified-Since": modified}, 304),
        ({"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, 200),
        ({"If-Modified-Since": "yesterday, around noon"}, 200),
        ({"If-Modified-Since": ""}, 200),
        ({"If-Modified-Since": format_datetime(FROZEN_NOW + timedelta(days=9), usegmt=True)},
         200),  # a date in the future is not a valid validator
        # If-None-Match decides when both are sent (RFC 9110 §13.2.2).
        ({"If-None-Match": '"stale"', "If-Modified-Since": modified}, 200),
        ({"If-None-Match": etag, "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, 304),
    ]
    for headers, status in cases:
        response = client.get(url, headers=headers)
        assert response.status_code == status, headers
        assert response.headers["ETag"] == etag, headers
        if status == 304:
            # Werkzeug keeps only the validators RFC 9110 §15.4.5 asks for: ETag, no body.
            assert response.data == b""
        else:
            assert response.headers["Last-Modified"] == modified, headers
            assert response.data == first.data
    assert client.head(url).status_code == 200


def test_304_comes_from_the_cache_without_rendering(client, rich_feed, monkeypatch):
    url = f"/feeds/{rich_feed}.ics"
    etag = client.get(url).headers["ETag"]
    monkeypatch.setattr("booking.views.feeds._render_feed",
                        lambda *a: pytest.fail("rendered for a conditional request"))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_feed_changes_when_a_booking_changes(app, client, rich_feed, world):
    url = f"/feeds/{rich_feed}.ics"
    first = client.get(url)
    with app.app_context():
        booking = db.session.scalar(sa.select(Booking).where(Booking.title == "Spring forward"))
        booking.title = "Spring forward, moved"
        booking.sequence += 1
        db.session.commit()
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"],
                                      "If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.last_modified >= first.last_modified
    moved = events(second.data)["Lab 3, 实验室; A\\B: Spring forward, moved"]
    assert moved["SEQUENCE"] == 1


@pytest.mark.parametrize("token", [
    "x" * 43, "short", "a" * 500, "%00", "..", "AAAA-_" * 8, "ü" * 43, "x" * 42 + "=",
])
def test_unknown_and_malformed_tokens_get_a_bare_404(client, app, world, token):
    make_feed(app, world["teacher"])
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 404
    assert response.data == b"Not found\n"
    assert "Set-Cookie" not in response.headers and "ETag" not in response.headers
    # A token with a slash is no feed URL at all: the app's ordinary 404.
    assert client.get("/feeds/..%2F..%2Fetc.ics").status_code == 404


def test_revoked_and_regenerated_feeds_get_the_same_404(client, app, auth, world):
    revoked, regenerated = make_feed(app, world["teacher"]), make_feed(
        app, world["teacher"], "organisation")
    unknown = client.get(f"/feeds/{'y' * 43}.ics")
    auth.login("teacher@school.org")
    with app.app_context():
        ids = {f.scope.value: f.id for f in db.session.scalars(sa.select(CalendarFeed))}
    assert client.post(f"/feeds/{ids['me']}/revoke").headers["Location"].endswith("/feeds/")
    page = client.post(f"/feeds/{ids['organisation']}/regenerate")
    new_token = re.search(rb"/feeds/([A-Za-z0-9_-]{43})\.ics", page.data).group(1).decode()
    anonymous = app.test_client()  # calendar programs send no cookies
    for token in (revoked, regenerated):
        gone = anonymous.get(f"/feeds/{token}.ics")
        assert (gone.status_code, gone.data, gone.headers) == (404, unknown.data, unknown.headers)
    assert anonymous.get(f"/feeds/{new_token}.ics").status_code == 200


def test_resource_feed_shows_other_organisations_as_busy(app, client, world, make_booking):
    lab = world["lab"]
    mine = make_booking(lab, world["teacher"], soon(2), soon(2, 10), title="Our animation class")
    make_booking(lab, world["outsider"], soon(3), soon(3, 10), title="Their secret merger talk")
    token = make_feed(app, world["school_admin"], "resource", lab)
    body = client.get(f"/feeds/{token}.ics").data
    assert "Their secret merger talk".encode() not in body
    found = events(body)
    assert set(found) == {"Lab 3, 实验室; A\\B: Our animation class", "Busy"}
    assert "URL" not in found["Busy"] and "DESCRIPTION" not in found["Busy"]
    assert str(found["Lab 3, 实验室; A\\B: Our animation class"]["URL"]).endswith(
        f"/bookings/{mine}")
    # The owner's organisation sees every purpose.
    owner = make_feed(app, world["studio_admin"], "resource", lab)
    assert b"Their secret merger talk" in client.get(f"/feeds/{owner}.ics").data


def test_approve_cancel_and_reject_reach_the_feed(app, client, world, make_booking):
    lab = world["approval_lab"]
    first = make_booking(lab, world["teacher"], soon(5), soon(5, 10), status="pending",
                         title="First")
    second = make_booking(lab, world["teacher"], soon(6), soon(6, 10), status="pending",
                          title="Second")
    url = f"/feeds/{make_feed(app, world['teacher'])}.ics"

    def state(title: str) -> tuple:
        event = next(e for s, e in events(client.get(url).data).items() if s.endswith(title))
        return str(event["STATUS"]), event["SEQUENCE"], str(event["SUMMARY"])

    assert state("First") == ("TENTATIVE", 0, "Pending: Approval lab: First")
    etag = client.get(url).headers["ETag"]
    with app.app_context():
        admin = db.session.get(User, world["studio_admin"])
        booking_service.approve_booking(admin, first)
        booking_service.reject_booking(admin, second, "Closed for cleaning")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert state("First") == ("CONFIRMED", 1, "Approval lab: First")
    assert state("Second") == ("CANCELLED", 1, "Declined: Approval lab: Second")
    with app.app_context():
        booking_service.cancel_booking(db.session.get(User, world["teacher"]), first)
    assert state("First") == ("CANCELLED", 2, "Cancelled: Approval lab: First")


def test_real_http_server_passes_ics_check(app, rich_feed):
    """ics_check fetches the feed itself: status, headers and conditional GETs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run_ics_check(f"http://127.0.0.1:{server.server_port}/feeds/{rich_feed}.ics")
    finally:
        server.shutdown()
        thread.join(timeout=10)


# --- The subscriptions page -----------------------------------------------------------------

def test_subscriptions_page_needs_a_login(client):
    assert "/login" in client.get("/feeds/").headers["Location"]


def test_subscribe_shows_the_address_once(app, client, auth, world):
    auth.login("teacher@school.org")
    page = client.get("/feeds/")
    assert page.status_code == 200
    for words in (b"Calendar subscriptions", b"Add calendar", b"From URL", b"Subscribe from web",
                  b"New Calendar Subscription", b"Subscribe, don", b'value="me"'):
        assert words in page.data
    created = client.post("/feeds/", data={"scope": "me"})
    assert created.status_code == 201
    https = re.search(rb'value="(http://localhost:5000/feeds/[A-Za-z0-9_-]{43}\.ics)"',
                      created.data)
    webcal = re.search(rb'value="(webcal://localhost:5000/feeds/[A-Za-z0-9_-]{43}\.ics)"',
                       created.data)
    assert https and webcal and webcal.group(1)[9:] == https.group(1)[7:]
    assert b"data-copy" in created.data and b"readonly" in created.data
    token = https.group(1).decode().rsplit("/", 1)[1].removesuffix(".ics")
    later = client.get("/feeds/").data
    assert token.encode() not in later  # never shown again
    assert b'value="me"' not in later and b'value="organisation"' in later
    auth.logout()
    assert client.get(f"/feeds/{token}.ics").status_code == 200


def test_subscribe_to_a_resource_and_refusals(app, client, auth, world, make_resource):
    auth.login("teacher@school.org")
    page = client.get("/feeds/")
    assert "Lab 3, 实验室; A\\B".encode() in page.data
    assert client.post("/feeds/", data={"scope": "resource",
                                        "resource_id": world["lab"]}).status_code == 201
    again = client.post("/feeds/", data={"scope": "resource", "resource_id": world["lab"]})
    assert again.status_code == 422 and b"already subscribe" in again.data
    hidden = make_resource(world["studio"], name="Hidden", open_to_all=False)
    for data in ({"scope": "resource", "resource_id": hidden}, {"scope": "resource"},
                 {"scope": "resource", "resource_id": "abc"}, {"scope": "everything"}, {}):
        refused = client.post("/feeds/", data=data)
        assert refused.status_code == 422, data
        assert b"alert-danger" in refused.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 1


def test_other_peoples_feeds_are_not_found(app, client, auth, world):
    make_feed(app, world["teacher"])
    with app.app_context():
        feed_id = db.session.scalar(sa.select(CalendarFeed.id))
    auth.login("office@school.org")
    assert client.post(f"/feeds/{feed_id}/revoke").status_code == 404
    assert client.post(f"/feeds/{feed_id}/regenerate").status_code == 404
    assert client.post("/feeds/99999/revoke").status_code == 404


# --- One booking as a download --------------------------------------------------------------

def test_booking_download(app, client, auth, world, make_booking, tmp_path):
    booking_id = make_booking(world["lab"], world["teacher"], soon(3), soon(3, 10),
                              title="会议, part 1; \\ end")
    assert "/login" in client.get(f"/bookings/{booking_id}.ics").headers["Location"]
    auth.login("someone@elsewhere.org")
    assert client.get(f"/bookings/{booking_id}.ics").status_code == 404
    assert client.get("/bookings/99999.ics").status_code == 404
    auth.logout()
    auth.login("teacher@school.org")
    response = client.get(f"/bookings/{booking_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="booking-{booking_id}.ics"'
    # One person's booking: kept by no cache, shared or not (issue 11).
    assert response.headers["Cache-Control"] == "private, no-store"
    cal = icalendar.Calendar.from_ical(response.data)
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["SUMMARY"]) == "Lab 3, 实验室; A\\B: 会议, part 1; \\ end"
    with app.app_context():
        uid = db.session.get(Booking, booking_id).uid
    assert str(event["UID"]) == f"booking-{uid}@localhost"
    path = tmp_path / "booking.ics"
    path.write_bytes(response.data)
    run_ics_check(path, feed=False)


# --- Closures from an .ics file -------------------------------------------------------------

HOLIDAYS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//School//Holidays//EN\r\n"
    "BEGIN:VEVENT\r\nUID:1@school\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:Spring break\r\n"
    "DTSTART;VALUE=DATE:20270329\r\nDTEND;VALUE=DATE:20270403\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:2@school\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:校庆日\r\n"
    "DTSTART;VALUE=DATE:20270520\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n").encode()


def _upload(client, resource_id: int, data: bytes, name: str = "holidays.ics"):
    return client.post(f"/resources/{resource_id}/closures/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _closures(app, resource_id: int) -> list[tuple]:
    with app.app_context():
        return [(c.start_at, c.end_at, c.reason) for c in db.session.scalars(
            sa.select(Closure).where(Closure.resource_id == resource_id)
            .order_by(Closure.start_at))]


def test_import_closures(app, client, auth, world):
    lab = world["lab"]
    auth.login("admin@studio.org")
    page = client.get(f"/resources/{lab}/closures/import")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.data
    assert _upload(client, lab, HOLIDAYS).status_code in (302, 303)
    expected = [(utc(2027, 3, 28, 22), utc(2027, 4, 2, 22), "Spring break"),
                (utc(2027, 5, 19, 22), utc(2027, 5, 20, 22), "校庆日")]
    assert _closures(app, lab) == expected
    assert _closures(app, lab) == expected  # twice: nothing doubles
    again = _upload(client, lab, HOLIDAYS)
    assert b"were already there" in client.get(again.headers["Location"]).data


def _school_year(days: int) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}@school\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:Day {n}\r\n"
        f"DTSTART;VALUE=DATE:{(datetime(2027, 1, 1) + timedelta(days=n)):%Y%m%d}\r\n"
        "END:VEVENT\r\n" for n in range(days))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//School//EN\r\n{events}" \
        "END:VCALENDAR\r\n".encode()


def test_importing_a_large_file_again_is_harmless(app, client, auth, world):
    """300 closures, imported twice: the second time adds nothing and is not refused by the
    cap of 500 closures, which counts only what is new."""
    auth.login("admin@studio.org")
    first = _upload(client, world["lab"], _school_year(300))
    assert first.status_code in (302, 303)
    again = _upload(client, world["lab"], _school_year(300))
    assert again.status_code in (302, 303)
    assert b"were already there" in client.get(again.headers["Location"]).data
    assert len(_closures(app, world["lab"])) == 300
    more = _upload(client, world["lab"], _school_year(320))  # 20 new ones
    assert more.status_code in (302, 303)
    assert len(_closures(app, world["lab"])) == 320
    too_many = _upload(client, world["lab"], _school_year(500))  # 180 new: 500 in all
    assert too_many.status_code in (302, 303)
    beyond = _upload(client, world["lab"], HOLIDAYS)  # the spring break is new
    assert beyond.status_code == 422 and b"at most 500 closures" in beyond.data
    assert len(_closures(app, world["lab"])) == 500


@pytest.mark.parametrize("data, words", [
    (b"not a calendar at all", b"not an iCalendar"),
    (b"", b"not an iCalendar"),
    (HOLIDAYS.replace(b"DTSTART;VALUE=DATE:20270520\r\n", b""), "has no start".encode()),
    (HOLIDAYS.replace(b"SUMMARY:Spring break\r\n",
                      b"SUMMARY:Spring break\r\nRRULE:FREQ=YEARLY\r\n"), b"repeats"),
    (HOLIDAYS + b"X" * (1024 * 1024), b"larger than"),
    # A huge DURATION was a 500 (issue 10); an unknown zone was read as the resource's.
    (HOLIDAYS.replace(b"DTSTART;VALUE=DATE:20270520\r\n",
                      b"DTSTART:20270520T080000Z\r\nDURATION:P99999999D\r\n"),
     "“校庆日” is outside the years".encode()),
    (HOLIDAYS.replace(b"DTSTART;VALUE=DATE:20270520\r\n",
                      b"DTSTART;TZID=Mars/Olympus:20270520T080000\r\nDURATION:PT1H\r\n"),
     "“Mars/Olympus”".encode()),
])
def test_bad_files_change_nothing(app, client, auth, world, data, words):
    auth.login("admin@studio.org")
    response = _upload(client, world["lab"], data)
    assert response.status_code == 422
    assert words in response.data
    assert _closures(app, world["lab"]) == []


def test_import_needs_a_file_and_an_admin_of_the_owner(app, client, auth, world):
    auth.login("admin@studio.org")
    missing = client.post(f"/resources/{world['lab']}/closures/import", data={})
    assert missing.status_code == 422 and b"Choose an .ics file" in missing.data
    assert client.get("/resources/99999/closures/import").status_code == 404
    auth.logout()
    for email in ("office@school.org", "teacher@school.org"):
        auth.login(email)
        assert client.get(f"/resources/{world['lab']}/closures/import").status_code == 403
        assert _upload(client, world["lab"], HOLIDAYS).status_code == 403
        auth.logout()
    assert _closures(app, world["lab"]) == []
