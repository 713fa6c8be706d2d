"""One visibility rule behind the pages and the API: 404 alike, no other organisation's ids."""

from __future__ import annotations

import pytest

from booking.extensions import db
from booking.models import Organisation
from tests.api import World, local, next_weekday, snapshot, world  # noqa: F401
from tests.conftest import PASSWORD

URL = "/api/v1/bookings"


@pytest.fixture
def day():
    return next_weekday(2)


def _book(client, world: World, user_id: int, resource_id: int, day, start="10:00",
          end="11:00"):
    return client.post(URL, json={"resource_id": resource_id,
                                  "start": local(day, start).isoformat(),
                                  "end": local(day, end).isoformat(), "title": "Secret plan"},
                       headers=world.auth(user_id))


def _page_client(app, email: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    return client


def test_a_booking_on_an_unshared_resource_is_404_in_the_api_as_on_its_page(app, client,
                                                                             world, day):
    """Issue 10: GET /api/v1/bookings/<id> told times, status and quantity to anyone."""
    booking_id = _book(client, world, world.engineer, world.private_lab, day).get_json()["id"]
    teacher_page = _page_client(app, "teacher@school.example")
    assert client.get(f"{URL}/{booking_id}", headers=world.auth(world.teacher)).status_code == 404
    assert teacher_page.get(f"/bookings/{booking_id}").status_code == 404
    mine = client.get(f"{URL}/{booking_id}", headers=world.auth(world.enterprise_admin))
    assert mine.status_code == 200 and mine.get_json()["title"] == "Secret plan"
    busy = _book(client, world, world.engineer, world.lab, day).get_json()["id"]
    shown = client.get(f"{URL}/{busy}", headers=world.auth(world.teacher)).get_json()
    assert shown["details_visible"] is False and shown["title"] is None
    assert teacher_page.get(f"/bookings/{busy}").status_code == 200


def test_a_refusal_names_only_the_bookings_the_caller_may_see(client, world, day):
    """Issue 15: another organisation's booking ids appeared in 409 reasons."""
    theirs = _book(client, world, world.engineer, world.lab, day).get_json()["id"]
    refused = _book(client, world, world.teacher, world.lab, day)
    assert refused.status_code == 409
    reason = refused.get_json()["reasons"][0]
    assert reason["code"] == "conflict" and reason["times"] and "booking_ids" not in reason
    owner_sees = _book(client, world, world.enterprise_admin, world.lab, day).get_json()
    assert owner_sees["reasons"][0]["booking_ids"] == [theirs]


def test_a_series_preview_and_its_skipped_dates_name_only_the_bookings_the_caller_may_see(
        client, world, day):
    """The dry run and the skipped dates of a series told another organisation's booking ids."""
    theirs = _book(client, world, world.engineer, world.lab, day).get_json()["id"]
    body = {"resource_id": world.lab, "start": local(day, "10:00").isoformat(),
            "end": local(day, "11:00").isoformat(), "repeat": {"freq": "weekly", "count": 2}}
    for extra, key in (({"dry_run": True}, "occurrences"), ({"on_conflict": "skip"}, "skipped")):
        answer = client.post(URL, json={**body, **extra}, headers=world.auth(world.teacher))
        (refused,) = [o for o in answer.get_json()[key] if not o["ok"]]
        reason = refused["reasons"][0]
        assert reason["code"] == "conflict" and reason["times"] and "booking_ids" not in reason
    owner = client.post(URL, json={**body, "dry_run": True},
                        headers=world.auth(world.enterprise_admin)).get_json()
    assert owner["occurrences"][0]["reasons"][0]["booking_ids"] == [theirs]


def test_a_suspended_organisations_resources_are_gone_everywhere(app, client, world, day,
                                                                 make_user):
    """Issue 10: they were gone from the catalogue but on the timeline, and bookable."""
    kept = _book(client, world, world.teacher, world.lab, day).get_json()["id"]
    with app.app_context():
        db.session.get(Organisation, world.enterprise).is_active = False
        db.session.commit()
    teacher = world.auth(world.teacher)
    listed = client.get("/api/v1/resources", headers=teacher).get_json()["items"]
    assert world.lab not in {r["id"] for r in listed}
    assert client.get(f"/api/v1/resources/{world.lab}", headers=teacher).status_code == 404
    before = snapshot(app)
    assert _book(client, world, world.teacher, world.lab, day, "14:00", "15:00").status_code \
        == 404
    assert snapshot(app) == before
    page = _page_client(app, "teacher@school.example")
    timeline = page.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert "Editing lab" not in timeline
    assert page.get(f"/bookings/new?resource_id={world.lab}").status_code == 404
    assert page.get(f"/resources/{world.lab}/calendar").status_code == 404
    # What was booked stands, and the booker still sees it.
    assert client.get(f"{URL}/{kept}", headers=teacher).get_json()["status"] == "confirmed"


def test_an_approved_series_stretched_by_its_booker_is_asked_again(app, client, world, day):
    """Issue 10: PATCH /series/<id> and POST .../move left the new times confirmed."""
    with app.app_context():
        from booking.models import Resource
        db.session.get(Resource, world.lab).approval_required = True
        db.session.commit()
    body = {"resource_id": world.lab, "start": local(day, "10:00").isoformat(),
            "end": local(day, "11:00").isoformat(), "repeat": {"freq": "weekly", "count": 3}}
    created = client.post(URL, json=body, headers=world.auth(world.teacher)).get_json()
    series_url = f"/api/v1/series/{created['series_id']}"
    admin, teacher = world.auth(world.enterprise_admin), world.auth(world.teacher)
    assert client.post(f"{series_url}/approve", headers=admin).status_code == 200
    stretched = client.patch(series_url, json={"start_time": "10:00", "end_time": "18:00"},
                             headers=teacher).get_json()
    assert {b["status"] for b in stretched["bookings"]} == {"pending"}
    client.post(f"{series_url}/approve", headers=admin)
    first = created["bookings"][0]["id"]
    moved = client.post(f"{series_url}/bookings/{first}/move", headers=teacher,
                        json={"start": local(day, "08:00").isoformat(),
                              "end": local(day, "09:00").isoformat()}).get_json()
    assert [b["status"] for b in moved["bookings"]] == ["pending", "confirmed", "confirmed"]
    rejected = client.post(f"{series_url}/reject", json={"reason": "Too early"}, headers=admin)
    assert rejected.get_json()["bookings"][0]["status"] == "rejected"
    assert rejected.get_json()["bookings"][0]["decision_reason"] == "Too early"


def test_moving_one_booking(client, world, day):
    booked = _book(client, world, world.teacher, world.lab, day).get_json()["id"]
    _book(client, world, world.engineer, world.lab, day, "12:00", "13:00")
    move = f"{URL}/{booked}/move"
    clash = client.post(move, json={"start": local(day, "12:30").isoformat(),
                                    "end": local(day, "13:30").isoformat()},
                        headers=world.auth(world.teacher))
    assert clash.status_code == 409 and clash.get_json()["alternatives"]
    moved = client.post(move, json={"start": "{}T15:00".format(day.isoformat()),
                                    "end": "{}T16:00".format(day.isoformat())},
                        headers=world.auth(world.teacher))
    assert moved.status_code == 200 and moved.get_json()["start"].endswith("T15:00:00+08:00")
    assert client.post(move, json={"start": local(day, "15:00").isoformat(),
                                   "end": local(day, "16:00").isoformat()},
                       headers=world.auth(world.engineer)).status_code == 403


def test_a_rule_change_bookings_would_break_is_a_409_with_their_list(app, client, world, day):
    booked = _book(client, world, world.teacher, world.lab, day).get_json()["id"]
    before = snapshot(app)
    response = client.patch(f"/api/v1/resources/{world.lab}",
                            json={"windows": [{"weekday": day.weekday(), "start": "12:00",
                                               "end": "18:00"}]},
                            headers=world.auth(world.enterprise_admin))
    assert response.status_code == 409
    data = response.get_json()
    assert data["error"] == "bookings_would_break" and "Move or cancel" in data["message"]
    assert [b["id"] for b in data["bookings"]] == [booked]
    assert data["bookings"][0]["reasons"][0]["code"] == "outside_availability"
    assert snapshot(app) == before
    page = _page_client(app, "admin@media.example")
    form = page.get(f"/resources/{world.lab}/edit")
    assert form.status_code == 200
