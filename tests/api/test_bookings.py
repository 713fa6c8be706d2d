"""POST/GET /bookings and the cancel, approve and reject actions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.api import assert_invalid, World, local, next_weekday, snapshot, world  # noqa: F401

URL = "/api/v1/bookings"


def book(client, world: World, user: int, start: datetime, end: datetime, **extra):
    body = {"resource_id": world.lab, "start": start.isoformat(), "end": end.isoformat(),
            "title": "Video editing class", **extra}
    return client.post(URL, json=body, headers=world.auth(user))


@pytest.fixture
def day():
    return next_weekday(1)  # a Tuesday at least a week ahead


def test_book_returns_the_confirmed_booking_in_the_resource_zone(client, world, day):
    response = book(client, world, world.teacher, local(day, "14:00"), local(day, "16:00"))
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "confirmed"
    assert data["start"] == f"{day.isoformat()}T14:00:00+08:00"
    assert data["end"] == f"{day.isoformat()}T16:00:00+08:00"
    assert data["title"] == "Video editing class" and data["quantity"] == 1
    assert data["booker"]["id"] == world.teacher and data["details_visible"] is True
    assert response.headers["Location"].endswith(f"{URL}/{data['id']}")
    assert client.get(f"{URL}/{data['id']}", headers=world.auth(world.teacher)).get_json() == data


def test_a_time_without_offset_is_the_resources_wall_clock(client, world, day):
    body = {"resource_id": world.berlin_lab, "start": f"{day}T09:00", "end": f"{day}T10:00"}
    data = client.post(URL, json=body, headers=world.auth(world.teacher)).get_json()
    expected = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo("Europe/Berlin"))
    assert datetime.fromisoformat(data["start"]) == expected
    assert data["timezone"] == "Europe/Berlin"


def test_approval_needing_resource_gives_pending(client, app, world, day, make_resource):
    resource = make_resource(world.enterprise, approval_required=True)
    body = {"resource_id": resource, "start": local(day, "10:00").isoformat(),
            "end": local(day, "11:00").isoformat()}
    response = client.post(URL, json=body, headers=world.auth(world.teacher))
    assert response.status_code == 201 and response.get_json()["status"] == "pending"


def test_clash_is_409_with_reasons_alternatives_and_nothing_stored(client, app, world, day):
    assert book(client, world, world.engineer, local(day, "14:00"),
                local(day, "16:00")).status_code == 201
    before = snapshot(app)
    response = book(client, world, world.teacher, local(day, "15:00"), local(day, "17:00"))
    assert response.status_code == 409
    data = response.get_json()
    assert data["error"] == "conflict" and data["message"]
    assert [r["code"] for r in data["reasons"]] == ["conflict"]
    assert data["reasons"][0]["message"] and data["reasons"][0]["times"]
    assert data["alternatives"], "the nearest free times are offered"
    first = data["alternatives"][0]
    assert first["start"].endswith("+08:00")
    assert datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"]) == \
        timedelta(hours=2)
    assert snapshot(app) == before


def test_refusal_messages_follow_accept_language(client, world, day):
    book(client, world, world.engineer, local(day, "14:00"), local(day, "16:00"))
    body = {"resource_id": world.lab, "start": local(day, "15:00").isoformat(),
            "end": local(day, "17:00").isoformat()}
    english = client.post(URL, json=body, headers=world.auth(world.teacher)).get_json()
    chinese = client.post(URL, json=body, headers={**world.auth(world.teacher),
                                                   "Accept-Language": "zh-CN"}).get_json()
    assert english["reasons"][0]["code"] == chinese["reasons"][0]["code"] == "conflict"


@pytest.mark.parametrize("body, field", [
    ({"start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00"}, "resource_id"),
    ({"resource_id": "one", "start": "2031-01-01T10:00+08:00",
      "end": "2031-01-01T11:00+08:00"}, "resource_id"),
    ({"resource_id": None, "start": "x", "end": "y"}, "start"),
    ({"resource_id": 1, "start": "next tuesday", "end": "2031-01-01T11:00+08:00"}, "start"),
    ({"resource_id": 1, "start": "2031-01-01", "end": "2031-01-02"}, "start"),
    ({"resource_id": 1, "start": "9999-12-31T23:00+08:00", "end": "9999-12-31T23:30+08:00"},
     "start"),
    ({"resource_id": 1, "start": "9999-12-31T23:00-05:00", "end": "9999-12-31T23:59-05:00"},
     "start"),
    ({"resource_id": 1, "start": "0001-01-01T00:00", "end": "0001-01-01T01:00"}, "start"),
    ({"resource_id": 1, "start": "2031-01-01T11:00+08:00", "end": "2031-01-01T10:00+08:00"},
     "end"),
    ({"resource_id": 1, "start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00",
      "quantity": True}, "quantity"),
    ({"resource_id": 1, "start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00",
      "quantity": 0}, "quantity"),
    ({"resource_id": 1, "start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00",
      "quantity": 5}, "quantity"),  # more than the resource's capacity: the service says so
    ({"resource_id": 1, "start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00",
      "title": ["x"]}, "title"),
    ({"resource_id": 1, "start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00",
      "title": "x" * 301}, "title"),
    ({"resource_id": 1, "start": "2031-01-01T10:00+08:00", "end": "2031-01-01T11:00+08:00",
      "repeat": {"freq": "weekly"}}, "repeat"),
])
def test_malformed_body_is_422_naming_the_field(client, app, world, body, field):
    if body.get("resource_id") == 1:
        body["resource_id"] = world.berlin_lab
    before = snapshot(app)
    response = client.post(URL, json=body, headers=world.auth(world.teacher))
    assert_invalid(response, field)
    assert snapshot(app) == before


@pytest.mark.parametrize("raw, content_type", [
    (b"{not json", "application/json"), (b"[1, 2]", "application/json"),
    (b'{"resource_id": 1}', "text/plain"), (b"", "application/json")])
def test_body_that_is_not_a_json_object_is_422(client, app, world, raw, content_type):
    before = snapshot(app)
    response = client.post(URL, data=raw, content_type=content_type,
                           headers=world.auth(world.teacher))
    assert_invalid(response, "body")
    assert snapshot(app) == before


@pytest.mark.parametrize("with_offset", [True, False])
def test_unknown_resource_is_404(client, app, world, day, with_offset):
    before = snapshot(app)
    start, end = local(day, "10:00").isoformat(), local(day, "11:00").isoformat()
    if not with_offset:
        start, end = start[:16], end[:16]
    body = {"resource_id": 999_999, "start": start, "end": end}
    response = client.post(URL, json=body, headers=world.auth(world.teacher))
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert snapshot(app) == before


@pytest.mark.parametrize("offsets", [True, False])
def test_resource_not_shared_with_the_organisation_is_404(client, app, world, day, offsets):
    """As if it did not exist (issue 15): a 403 would tell that it does."""
    before = snapshot(app)
    start, end = local(day, "10:00"), local(day, "11:00")
    if not offsets:  # the resource's zone is needed to read the times: the same 404
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    body = {"resource_id": world.private_lab, "start": start.isoformat(),
            "end": end.isoformat()}
    response = client.post(URL, json=body, headers=world.auth(world.teacher))
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert snapshot(app) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_without_a_valid_token_every_booking_route_is_401(client, app, world, headers):
    booking_id = book(client, world, world.teacher, local(next_weekday(2), "10:00"),
                      local(next_weekday(2), "11:00")).get_json()["id"]
    before = snapshot(app)
    for method, url in [("GET", URL), ("POST", URL), ("GET", f"{URL}/{booking_id}"),
                        ("POST", f"{URL}/{booking_id}/cancel"),
                        ("POST", f"{URL}/{booking_id}/approve"),
                        ("POST", f"{URL}/{booking_id}/reject")]:
        response = client.open(url, method=method, json={}, headers=headers)
        assert response.status_code == 401, (method, url)
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(app) == before


def test_another_organisations_booking_shows_only_as_busy(client, world, day):
    booking_id = book(client, world, world.teacher, local(day, "10:00"),
                      local(day, "11:00")).get_json()["id"]
    outsider = client.get(f"{URL}/{booking_id}", headers=world.auth(world.engineer)).get_json()
    assert outsider["details_visible"] is True, "the owner's organisation sees the details"
    other_school = _other_school_member(client, world)
    busy = client.get(f"{URL}/{booking_id}", headers=other_school).get_json()
    assert busy["details_visible"] is False
    assert busy["title"] is None and busy["booker"] is None and busy["organisation_id"] is None
    assert "Video editing class" not in str(busy)


def _other_school_member(client, world) -> dict:
    """Headers of a member of a third organisation (created through the test app)."""
    from booking.extensions import db
    from booking.models import Organisation, User
    from tests.api import bearer, issue_token
    from tests.conftest import password_hash
    app = client.application
    with app.app_context():
        org = Organisation(name="Third School", kind="school")
        user = User(email="third@school.example", name="Third", organisation=org,
                    password_hash=password_hash())
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    return bearer(issue_token(app, user_id))


def test_get_unknown_booking_is_404(client, world):
    for booking_id in (424242, 2**31, 10**30):
        response = client.get(f"{URL}/{booking_id}", headers=world.auth(world.teacher))
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_list_filters_and_pages(client, world):
    days = sorted(next_weekday(d) for d in range(5))  # in date order whatever today is
    for one_day in days:
        book(client, world, world.teacher, local(one_day, "10:00"), local(one_day, "11:00"))
    auth = world.auth(world.teacher)
    first = client.get(f"{URL}?mine=true&limit=2", headers=auth).get_json()
    assert len(first["items"]) == 2 and first["next"]
    starts = [b["start"] for b in first["items"]]
    second = client.get(first["next"], headers=auth).get_json()
    third = client.get(second["next"], headers=auth).get_json()
    assert third["next"] is None
    every = starts + [b["start"] for b in second["items"] + third["items"]]
    assert every == sorted(every) and len(every) == 5
    window = client.get(f"{URL}?resource_id={world.lab}&start={days[1]}T00:00"
                        f"&end={days[2]}T23:59", headers=auth).get_json()
    assert {b["start"][:10] for b in window["items"]} == {str(days[1]), str(days[2])}
    assert client.get(f"{URL}?mine=true&status=cancelled", headers=auth).get_json()["items"] == []


def test_list_shows_others_bookings_of_a_resource_as_busy(client, world, day):
    book(client, world, world.teacher, local(day, "10:00"), local(day, "11:00"))
    other = _other_school_member(client, world)
    mine = client.get(URL, headers=other).get_json()
    assert mine["items"] == [], "without a resource: only what one may see in detail"
    busy = client.get(f"{URL}?resource_id={world.lab}", headers=other).get_json()["items"]
    assert len(busy) == 1 and busy[0]["title"] is None and busy[0]["details_visible"] is False


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset"),
    ("mine=perhaps", "mine"), ("status=lost", "status"), ("start=tomorrow", "start"),
    ("start=2031-01-02T00:00Z&end=2031-01-01T00:00Z", "end"), ("resource_id=x", "resource_id"),
    ("colour=red", "colour")])
def test_list_with_bad_filters_is_422(client, world, query, field):
    response = client.get(f"{URL}?{query}", headers=world.auth(world.teacher))
    assert_invalid(response, field)


def test_list_of_an_unshared_resource_is_404(client, world):
    response = client.get(f"{URL}?resource_id={world.private_lab}",
                          headers=world.auth(world.teacher))
    assert response.status_code == 404


def test_cancel_by_booker(client, app, world, day):
    booking_id = book(client, world, world.teacher, local(day, "10:00"),
                      local(day, "11:00")).get_json()["id"]
    response = client.post(f"{URL}/{booking_id}/cancel", headers=world.auth(world.teacher))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    before = snapshot(app)
    again = client.post(f"{URL}/{booking_id}/cancel", headers=world.auth(world.teacher))
    assert again.status_code == 409 and again.get_json()["error"] == "state_conflict"
    assert snapshot(app) == before


def test_cancel_refusals_change_nothing(client, app, world, day):
    booking_id = book(client, world, world.teacher, local(day, "10:00"),
                      local(day, "11:00")).get_json()["id"]
    before = snapshot(app)
    cases = [(f"{URL}/{booking_id}/cancel", world.engineer, None, 403),
             (f"{URL}/{booking_id}/cancel", world.school_admin, None, 403),
             (f"{URL}/999999/cancel", world.teacher, None, 404),
             (f"{URL}/{booking_id}/cancel", world.teacher, {"why": "no"}, 422)]
    for url, user, body, status in cases:
        response = client.post(url, json=body, headers=world.auth(user))
        assert response.status_code == status, (user, body, response.get_json())
        assert response.get_json()["message"]
    assert snapshot(app) == before


def test_the_resources_admin_may_cancel(client, world, day):
    booking_id = book(client, world, world.teacher, local(day, "10:00"),
                      local(day, "11:00")).get_json()["id"]
    response = client.post(f"{URL}/{booking_id}/cancel", json={},
                           headers=world.auth(world.enterprise_admin))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"


@pytest.fixture
def pending(client, world, day, make_resource):
    """A request waiting for the enterprise admin's decision."""
    resource = make_resource(world.enterprise, approval_required=True)
    body = {"resource_id": resource, "start": local(day, "10:00").isoformat(),
            "end": local(day, "11:00").isoformat(), "title": "Internship visit"}
    return client.post(URL, json=body, headers=world.auth(world.teacher)).get_json()["id"]


def test_approve_and_reject(client, world, pending, make_resource):
    admin = world.auth(world.enterprise_admin)
    approved = client.post(f"{URL}/{pending}/approve", headers=admin)
    assert approved.status_code == 200 and approved.get_json()["status"] == "confirmed"
    again = client.post(f"{URL}/{pending}/reject", json={"reason": "late"}, headers=admin)
    assert again.status_code == 409


def test_reject_with_reason_the_booker_sees(client, world, pending):
    response = client.post(f"{URL}/{pending}/reject", json={"reason": "Closed for audit"},
                           headers=world.auth(world.enterprise_admin))
    assert response.status_code == 200
    seen = client.get(f"{URL}/{pending}", headers=world.auth(world.teacher)).get_json()
    assert seen["status"] == "rejected" and seen["decision_reason"] == "Closed for audit"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_decision_refusals_change_nothing(client, app, world, pending, action):
    before = snapshot(app)
    cases = [(pending, world.teacher, {}, 403), (pending, world.engineer, {}, 403),
             (pending, world.school_admin, {}, 403), (888888, world.enterprise_admin, {}, 404),
             (pending, world.enterprise_admin, {"reason": 5, "extra": 1}, 422)]
    for booking_id, user, body, status in cases:
        response = client.post(f"{URL}/{booking_id}/{action}", json=body,
                               headers=world.auth(user))
        assert response.status_code == status, (action, user, response.get_json())
    assert snapshot(app) == before


def test_approve_of_a_request_that_now_clashes_is_409(client, app, world, make_resource,
                                                      make_booking, day):
    # Capacity 2, so PostgreSQL's no-overlap constraint (capacity 1 only) lets the setup in.
    resource = make_resource(world.enterprise, approval_required=True, capacity=2)
    body = {"resource_id": resource, "start": local(day, "10:00").isoformat(),
            "end": local(day, "11:00").isoformat(), "quantity": 2}
    pending = client.post(URL, json=body, headers=world.auth(world.teacher)).get_json()["id"]
    # Stored past the rules: a clash the approval must still catch.
    make_booking(resource, world.engineer, local(day, "10:30"), local(day, "11:30"))
    before = snapshot(app)
    response = client.post(f"{URL}/{pending}/approve", headers=world.auth(world.enterprise_admin))
    assert response.status_code == 409
    assert response.get_json()["reasons"][0]["code"] == "conflict"
    assert snapshot(app) == before


def test_old_times_are_refused_with_a_reason(client, world):
    past = datetime.now(timezone.utc) - timedelta(days=2)
    response = book(client, world, world.teacher, past, past + timedelta(hours=1))
    assert response.status_code == 409
    assert response.get_json()["reasons"][0]["code"] == "too_soon"
