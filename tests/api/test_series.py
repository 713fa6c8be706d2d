"""POST /bookings with "repeat", and /series/<id>: preview, book, refuse, change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import World, assert_invalid, local, next_weekday, snapshot, world  # noqa: F401

URL = "/api/v1/bookings"


def series_body(world: World, day, **extra):
    return {"resource_id": world.lab, "start": local(day, "14:00").isoformat(),
            "end": local(day, "16:00").isoformat(), "title": "Weekly editing lab",
            "repeat": {"freq": "weekly", "count": 6}, **extra}


@pytest.fixture
def day():
    return next_weekday(1)


def test_dry_run_previews_every_date_and_stores_nothing(client, app, world, day):
    clash = day + timedelta(weeks=2)
    client.post(URL, json={"resource_id": world.lab, "start": local(clash, "15:00").isoformat(),
                           "end": local(clash, "16:00").isoformat()},
                headers=world.auth(world.engineer))
    before = snapshot(app)
    response = client.post(URL, json=series_body(world, day, dry_run=True),
                           headers=world.auth(world.teacher))
    assert response.status_code == 200
    occurrences = response.get_json()["occurrences"]
    assert [o["ok"] for o in occurrences] == [True, True, False, True, True, True]
    refused = occurrences[2]
    assert refused["reasons"][0]["code"] == "conflict" and refused["alternatives"]
    assert refused["start"] == f"{clash.isoformat()}T14:00:00+08:00"
    assert snapshot(app) == before


def test_all_or_nothing_then_only_the_free_dates(client, app, world, day):
    clash = day + timedelta(weeks=1)
    client.post(URL, json={"resource_id": world.lab, "start": local(clash, "14:00").isoformat(),
                           "end": local(clash, "15:00").isoformat()},
                headers=world.auth(world.engineer))
    before = snapshot(app)
    refused = client.post(URL, json=series_body(world, day), headers=world.auth(world.teacher))
    assert refused.status_code == 409
    data = refused.get_json()
    assert data["error"] == "conflict" and data["reasons"][0]["code"] == "conflict"
    assert [o["ok"] for o in data["occurrences"]].count(False) == 1
    assert snapshot(app) == before
    booked = client.post(URL, json=series_body(world, day, on_conflict="skip"),
                         headers=world.auth(world.teacher))
    assert booked.status_code == 201
    data = booked.get_json()
    assert len(data["bookings"]) == 5 and len(data["skipped"]) == 1
    assert booked.headers["Location"].endswith(f"/api/v1/series/{data['series_id']}")


def test_read_change_move_and_cancel_a_series(client, world, day):
    auth = world.auth(world.teacher)
    series_id = client.post(URL, json=series_body(world, day), headers=auth).get_json()["series_id"]
    series = client.get(f"/api/v1/series/{series_id}", headers=auth).get_json()
    assert series["repeat"]["freq"] == "weekly" and len(series["bookings"]) == 6
    ids = [b["id"] for b in series["bookings"]]
    client.post(f"{URL}/{ids[1]}/cancel", headers=auth)
    moved_day = day + timedelta(weeks=2, days=1)
    moved = client.post(f"/api/v1/series/{series_id}/bookings/{ids[2]}/move", headers=auth,
                        json={"start": local(moved_day, "09:00").isoformat(),
                              "end": local(moved_day, "11:00").isoformat()})
    assert moved.status_code == 200, moved.get_json()
    changed = client.patch(f"/api/v1/series/{series_id}", headers=auth,
                           json={"title": "Colour grading", "start_time": "15:00",
                                 "end_time": "17:00"}).get_json()
    by_id = {b["id"]: b for b in changed["bookings"]}
    assert by_id[ids[1]]["status"] == "cancelled"
    assert by_id[ids[2]]["start"].endswith("T09:00:00+08:00")
    assert by_id[ids[0]]["start"].endswith("T15:00:00+08:00")
    assert {b["title"] for b in changed["bookings"] if b["status"] != "cancelled"} == {
        "Colour grading"}
    assert by_id[ids[1]]["title"] == "Weekly editing lab"  # a cancelled date is left alone
    following = client.post(f"/api/v1/series/{series_id}/cancel", headers=auth,
                            json={"from_booking_id": ids[4]}).get_json()
    states = [b["status"] for b in following["bookings"]]
    assert states == ["confirmed", "cancelled", "confirmed", "confirmed", "cancelled",
                      "cancelled"]


@pytest.mark.parametrize("repeat, field", [
    ({"freq": "hourly", "count": 3}, "repeat.freq"),
    ({"count": 3}, "repeat.freq"),
    ({"freq": "weekly"}, "repeat"),
    ({"freq": "weekly", "count": 3, "until": "2027-12-01"}, "repeat"),
    ({"freq": "weekly", "count": 5000}, "repeat.count"),
    ({"freq": "weekly", "count": 3, "weekdays": [7]}, "repeat.weekdays"),
    ({"freq": "weekly", "count": 3, "skip": ["tomorrow"]}, "repeat.skip"),
    ({"freq": "weekly", "count": 3, "colour": "red"}, "repeat.colour"),
    ({"freq": "daily", "until": "9999-01-01"}, "repeat.until"),
    ("weekly", "repeat"),
])
def test_bad_patterns_are_422_and_change_nothing(client, app, world, day, repeat, field):
    before = snapshot(app)
    response = client.post(URL, json={**series_body(world, day), "repeat": repeat},
                           headers=world.auth(world.teacher))
    assert_invalid(response, field)
    assert snapshot(app) == before


def test_a_series_beyond_two_years_is_refused(client, world, day):
    body = series_body(world, day, repeat={"freq": "daily",
                                           "until": (day + timedelta(days=800)).isoformat()})
    assert_invalid(client.post(URL, json=body, headers=world.auth(world.teacher)), "repeat")


def test_other_organisations_cannot_read_or_change_a_series(client, app, world, day):
    series_id = client.post(URL, json=series_body(world, day),
                            headers=world.auth(world.teacher)).get_json()["series_id"]
    before = snapshot(app)
    outsider = world.auth(world.engineer)  # the owner's member, not its admin, not the booker
    assert client.post(f"/api/v1/series/{series_id}/cancel", headers=outsider).status_code == 403
    assert client.get("/api/v1/series/99999", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/series/{series_id}").status_code == 401
    assert snapshot(app) == before


def test_a_stretched_series_still_blocks_its_new_time(client, app, world, day):
    """Issue 10: PATCH 14:00-16:00 to 14:00-20:00, then another booked 18:00 the same day."""
    series_id = client.post(URL, json=series_body(world, day),
                            headers=world.auth(world.teacher)).get_json()["series_id"]
    stretched = client.patch(f"/api/v1/series/{series_id}", headers=world.auth(world.teacher),
                             json={"start_time": "14:00", "end_time": "20:00"})
    assert stretched.status_code == 200
    assert {b["end"][11:16] for b in stretched.get_json()["bookings"]} == {"20:00"}
    before = snapshot(app)
    evening = client.post(URL, headers=world.auth(world.engineer), json={
        "resource_id": world.lab, "start": local(day, "18:00").isoformat(),
        "end": local(day, "19:00").isoformat()})
    assert evening.status_code == 409 and evening.get_json()["reasons"][0]["code"] == "conflict"
    assert snapshot(app) == before


def test_the_answer_says_what_really_happened(client, app, world, day, make_resource):
    """'Booked 6 dates' only when they are booked; requests say they wait (issue 14)."""
    booked = client.post(URL, json=series_body(world, day), headers=world.auth(world.teacher))
    assert booked.status_code == 201
    answer = booked.get_json()
    assert (answer["confirmed"], answer["pending"]) == (6, 0)
    assert answer["message"] == "Booked 6 dates."
    studio = make_resource(world.enterprise, name="Studio", approval_required=True)
    requested = client.post(URL, json={**series_body(world, day), "resource_id": studio},
                            headers=world.auth(world.teacher))
    answer = requested.get_json()
    assert (answer["confirmed"], answer["pending"]) == (0, 6)
    assert answer["message"].startswith("Requested 6 dates") and "Booked" not in answer["message"]
    # The owner's own admin books at once: the same call, a different truth.
    owner = client.post(URL, json={**series_body(world, day), "resource_id": studio,
                                   "start": local(day, "08:00").isoformat(),
                                   "end": local(day, "09:00").isoformat()},
                        headers=world.auth(world.enterprise_admin))
    assert owner.get_json()["message"] == "Booked 6 dates."
