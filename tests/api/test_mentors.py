"""A staff resource names its person (issue 14, item 2): GET /me, person_id, the mentor's rights."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import assert_invalid, local, next_weekday, snapshot, world  # noqa: F401

WEDNESDAY = 2


@pytest.fixture
def mentor(world, make_resource, make_booking):
    """The engineer's mentor slots, booked once by the teacher."""
    resource = make_resource(world.enterprise, name="Mentor: Li Wei", kind="staff",
                             person_id=world.engineer, slot_minutes=30,
                             windows=[(WEDNESDAY, "14:00", "17:00")])
    day = next_weekday(WEDNESDAY)
    booking = make_booking(resource, world.teacher, local(day, "14:00"), local(day, "14:30"),
                           title="Career talk")
    return resource, booking, day


def test_me_says_who_the_token_belongs_to(client, world):
    answer = client.get("/api/v1/me", headers=world.auth(world.engineer))
    assert answer.status_code == 200
    assert answer.get_json() == {
        "id": world.engineer, "email": "engineer@media.example", "name": "Test Person",
        "organisation": {"id": world.enterprise, "name": "Media Enterprise"},
        "role": "member", "locale": None, "timezone": "Asia/Shanghai"}
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me?x=1", headers=world.auth(world.engineer)).status_code == 422


def test_resources_name_their_person(client, world, mentor):
    resource, _booking, _day = mentor
    shown = client.get(f"/api/v1/resources/{resource}", headers=world.auth(world.teacher))
    assert shown.get_json()["person_id"] == world.engineer
    assert shown.get_json()["person_name"] == "Test Person"
    admin = world.auth(world.enterprise_admin)
    changed = client.patch(f"/api/v1/resources/{resource}", json={"person_id": None},
                           headers=admin)
    assert changed.status_code == 200 and changed.get_json()["person_id"] is None
    created = client.post("/api/v1/resources", json={"name": "Mentor: Wang", "kind": "staff",
                                                     "person_id": world.enterprise_admin},
                          headers=admin)
    assert created.status_code == 201
    assert created.get_json()["person_id"] == world.enterprise_admin


@pytest.mark.parametrize("bad", ["teacher", "nobody", "facility", "text"])
def test_the_person_is_a_member_of_the_owner_and_the_resource_is_staff(app, client, world,
                                                                        mentor, bad):
    resource, _booking, _day = mentor
    admin = world.auth(world.enterprise_admin)
    if bad == "facility":
        body = {"person_id": world.engineer, "kind": "facility"}
    else:
        body = {"person_id": {"teacher": world.teacher, "nobody": 999_999,
                              "text": "Li Wei"}[bad]}
    before = snapshot(app)
    assert_invalid(client.patch(f"/api/v1/resources/{resource}", json=body, headers=admin),
                   "person_id")
    assert snapshot(app) == before


def test_the_mentor_sees_bookings_of_their_time_as_their_own(client, world, mentor):
    resource, booking, _day = mentor
    mine = client.get("/api/v1/bookings?mine=true", headers=world.auth(world.engineer))
    assert [b["id"] for b in mine.get_json()["items"]] == [booking]
    assert mine.get_json()["items"][0]["title"] == "Career talk"
    others = client.get("/api/v1/bookings?mine=true", headers=world.auth(world.enterprise_admin))
    assert others.get_json()["items"] == []


def test_the_mentor_sets_hours_and_closures_but_no_other_rule(app, client, world, mentor):
    resource, _booking, day = mentor
    engineer = world.auth(world.engineer)
    hours = {"windows": [{"weekday": WEDNESDAY, "start": "14:00", "end": "18:00"},
                         {"weekday": 4, "start": "09:00", "end": "11:00"}]}
    answer = client.patch(f"/api/v1/resources/{resource}", json=hours, headers=engineer)
    assert answer.status_code == 200, answer.get_json()
    assert len(answer.get_json()["windows"]) == 2
    closure = {"closures": [{"start": f"{day + timedelta(days=7)}T00:00",
                             "end": f"{day + timedelta(days=8)}T00:00", "reason": "Trip"}]}
    assert client.patch(f"/api/v1/resources/{resource}", json=closure,
                        headers=engineer).status_code == 200
    before = snapshot(app)
    for body in ({"capacity": 3}, {"approval_required": True}, {"person_id": None},
                 {"windows": [], "name": "Mine now"}):
        refused = client.patch(f"/api/v1/resources/{resource}", json=body, headers=engineer)
        assert refused.status_code == 403, body
        assert "hours" in refused.get_json()["message"]
    assert snapshot(app) == before
    # Someone else of the same organisation keeps nothing of it.
    other = client.patch(f"/api/v1/resources/{resource}", json=hours,
                         headers=world.auth(world.teacher))
    assert other.status_code in (403, 404)


def test_hours_that_would_break_a_booking_are_refused_for_the_mentor_too(client, world, mentor):
    resource, booking, _day = mentor
    answer = client.patch(f"/api/v1/resources/{resource}",
                          json={"windows": [{"weekday": 4, "start": "09:00", "end": "11:00"}]},
                          headers=world.auth(world.engineer))
    assert answer.status_code == 409
    assert booking in [b["id"] for b in answer.get_json()["bookings"]]


def test_the_mentor_cancels_bookings_of_their_time(client, world, mentor):
    _resource, booking, _day = mentor
    answer = client.post(f"/api/v1/bookings/{booking}/cancel",
                         headers=world.auth(world.engineer))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "cancelled"


def test_the_mentor_may_not_move_bookings_of_their_time(client, world, mentor):
    _resource, booking, day = mentor
    answer = client.post(f"/api/v1/bookings/{booking}/move",
                         json={"start": f"{day}T15:00", "end": f"{day}T15:30"},
                         headers=world.auth(world.engineer))
    assert answer.status_code == 403
